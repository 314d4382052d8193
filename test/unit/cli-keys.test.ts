/**
 * `people-pathing keys --stack NAME` finds the deployed key store through the stack's CloudFormation outputs.
 * CloudFormation cannot run here: its client is mocked (the store itself is tested on dynalite in
 * test/integration/adapters-dynamodb-key-store.test.ts).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbKeyStore, keyStoreForStack } from '../../adapters/dynamodb-key-store.js';

describe('keys --stack', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  it('opens the table named by the outputs of the stack asked for', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'pp-prod' }).resolves({
      Stacks: [
        {
          StackName: 'pp-prod',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'AccessKeysTable', OutputValue: 'pp-prod-AccessKeys-1' },
            { OutputKey: 'AccessKeysKmsKey', OutputValue: 'arn:aws:kms:eu-west-1:123456789012:key/k' },
          ],
        },
      ],
    });
    const store = await keyStoreForStack('pp-prod');
    expect(store).toBeInstanceOf(DynamoDbKeyStore);
    expect((store as unknown as { options: { tableName: string; kmsKeyId: string } }).options).toMatchObject({
      tableName: 'pp-prod-AccessKeys-1',
      kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    });
  });

  it('says to deploy with -c apiAuth=keys when the stack has no key store', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'iam', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'Endpoint', OutputValue: 'https://x' }] }] });
    await expect(keyStoreForStack('iam')).rejects.toThrow('stack iam has no AccessKeysTable/AccessKeysKmsKey outputs: deploy it with -c apiAuth=keys');
  });
});

describe('keys create --stack', () => {
  it('refuses an account that is not a 12-digit AWS account id, in one line, exit 2, before opening the stack', async () => {
    const { run } = await import('../../cli/keys.js');
    for (const account of ['acme', '12345678901', '1234567890123', '12345678901a']) {
      const err: string[] = [];
      let opened = false;
      const code = await run(['create', '--account', account, '--stack', 'pp-prod'], {
        stackStore: async () => {
          opened = true;
          return { create: async (a: string) => ({ accessKeyId: 'AKPPAAAAAAAAAAAAAAAA', secretAccessKey: 's', account: a, createdAt: '' }) } as never;
        },
        out: () => undefined,
        err: (s) => err.push(s),
      });
      expect(code).toBe(2);
      expect(opened).toBe(false);
      expect(err.join('').trimEnd().split('\n')).toEqual([`people-pathing keys: account must be a 12-digit AWS account id for a deployed stack; got '${account}'`]);
    }
  });

  it('still accepts a 12-digit account, and local keys keep their short names', async () => {
    const { run } = await import('../../cli/keys.js');
    const out: string[] = [];
    const code = await run(['create', '--account', '111122223333', '--stack', 'pp-prod', '--json'], {
      stackStore: async () =>
        ({ create: async (a: string) => ({ accessKeyId: 'AKPPAAAAAAAAAAAAAAAA', secretAccessKey: 's', account: a, createdAt: '' }) }) as never,
      out: (s) => out.push(s),
      err: () => undefined,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ Account: '111122223333' });
  });

  it('the deployed store itself refuses such an account (nothing is encrypted or written)', async () => {
    const sent: unknown[] = [];
    const client = { send: async (c: unknown) => (sent.push(c), {}) };
    const store = new DynamoDbKeyStore({ dynamo: client as never, kms: client as never, tableName: 't', kmsKeyId: 'k' });
    await expect(store.create('acme')).rejects.toThrow("account must be a 12-digit AWS account id for a deployed stack; got 'acme'");
    expect(sent).toEqual([]);
  });
});
