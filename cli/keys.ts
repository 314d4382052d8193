/**
 * people-pathing keys create --account ACCOUNT [--data-dir DIR | --stack NAME] [--json]
 * people-pathing keys list [--data-dir DIR | --stack NAME] [--json]
 * people-pathing keys revoke ACCESS_KEY_ID [--data-dir DIR | --stack NAME]
 *
 * Manages the access keys the service verifies SigV4 signatures against (doc 0011): local mode's
 * <data-dir>/access-keys.json, or with --stack the deployed stack's keys table (secrets encrypted under the
 * stack's KMS key), found through the stack's CloudFormation outputs with the caller's AWS credentials.
 */
import { command, stdio } from './args.js';
import { validateAwsAccount } from '../core/auth/keys.js';
import type { KeyStore } from '../core/auth/keys.js';
import { FileKeyStore } from './local/key-file-store.js';

const USAGE = `usage: people-pathing keys create --account ACCOUNT [--data-dir .people-pathing | --stack NAME] [--json]
       people-pathing keys list [--data-dir .people-pathing | --stack NAME] [--json]
       people-pathing keys revoke ACCESS_KEY_ID [--data-dir .people-pathing | --stack NAME]

  --data-dir   local mode's data dir (default .people-pathing)
  --stack      a stack deployed with -c apiAuth=keys (uses your AWS credentials and region)
  --json       create: {"AccessKeyId", "SecretAccessKey", "Account"}; list: an array
`;

/** How --stack finds its store; replaced in tests. */
export type StackStoreFactory = (stackName: string) => Promise<KeyStore>;

async function deployedStore(stackName: string): Promise<KeyStore> {
  // Loaded on demand: local use never pays for the AWS clients.
  const { keyStoreForStack } = await import('../adapters/dynamodb-key-store.js');
  return keyStoreForStack(stackName);
}

export async function run(argv: string[], io: { stackStore?: StackStoreFactory; out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const cmd = command('keys', USAGE, { out: io.out ?? stdio.out, err: io.err ?? stdio.err });
  const { out, err } = cmd.io;
  const parsed = cmd.parse(
    argv,
    { account: { type: 'string' }, 'data-dir': { type: 'string' }, stack: { type: 'string' }, json: { type: 'boolean' } },
    { positionals: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  const fail = (message: string) => cmd.usageError(message);
  if (values['data-dir'] !== undefined && values.stack !== undefined) return fail('give --data-dir or --stack, not both');
  if (action === 'create' && typeof values.stack === 'string' && typeof values.account === 'string') {
    // Checked before the stack is looked up: one line, nothing created (doc/deploy.md, keys mode).
    try {
      validateAwsAccount(values.account);
    } catch (e) {
      err(`people-pathing keys: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const store: KeyStore =
    typeof values.stack === 'string'
      ? await (io.stackStore ?? deployedStore)(values.stack)
      : new FileKeyStore(values['data-dir'] ?? '.people-pathing');

  switch (action) {
    case 'create': {
      if (rest.length > 0) return fail(`unexpected argument '${rest[0]}'`);
      if (typeof values.account !== 'string') return fail('create needs --account ACCOUNT');
      let key;
      try {
        key = await store.create(values.account);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('account must')) return fail(e.message);
        throw e;
      }
      if (values.json) {
        out(JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Account: key.account }) + '\n');
      } else {
        out(
          `Access key for account ${key.account} (the secret is shown only now):\n` +
            `export AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`,
        );
      }
      return 0;
    }
    case 'list': {
      if (rest.length > 0) return fail(`unexpected argument '${rest[0]}'`);
      const keys = await store.list();
      if (values.json) {
        out(
          JSON.stringify(
            keys.map((k) => ({ AccessKeyId: k.accessKeyId, Account: k.account, CreatedAt: k.createdAt, ...(k.revokedAt ? { RevokedAt: k.revokedAt } : {}) })),
          ) + '\n',
        );
      } else {
        for (const k of keys) out(`${k.accessKeyId}\t${k.account}\t${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
      }
      return 0;
    }
    case 'revoke': {
      if (rest.length !== 1) return fail('revoke needs exactly one ACCESS_KEY_ID');
      if (!(await store.revoke(rest[0]!))) {
        err(`people-pathing keys: no access key ${rest[0]}\n`);
        return 1;
      }
      out(`revoked ${rest[0]}\n`);
      return 0;
    }
    default:
      return fail(action ? `unknown action '${action}'` : 'missing action (create, list or revoke)');
  }
}
