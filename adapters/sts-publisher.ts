/**
 * The stack's one publisher role (doc/architecture/0020-roles-and-segment-cost.md): the Lambdas that publish
 * notifications or check a NotificationChannel never assume callers' roles themselves. They assume the publisher
 * role (whose ARN callers name in their roles' trust policies), and only it assumes the caller's RoleArn, always
 * with sts:ExternalId = the job's account.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RoleTrustProbe } from '../core/ports.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

type StsSend = Pick<STSClient, 'send'>;

const DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
export const isAccessDenied = (e: unknown): boolean => e instanceof Error && DENIED.has(e.name);

/**
 * An STS client that acts as the publisher role: each call first gets (and keeps until 5 minutes before they
 * expire) the publisher role's credentials with the Lambda's own. Without a publisher role ARN (tests), the base
 * client is used as it is.
 */
export function publisherSts(options: {
  sts: StsSend;
  publisherRoleArn: string | undefined;
  newSts?: (credentials: TemporaryCredentials) => StsSend;
  now?: () => number;
}): StsSend {
  const { sts, publisherRoleArn } = options;
  if (!publisherRoleArn) return sts;
  const now = options.now ?? Date.now;
  const newSts = options.newSts ?? ((credentials) => new STSClient({ credentials }));
  let cached: { client: StsSend; until: number } | undefined;
  const client = async (): Promise<StsSend> => {
    if (cached && cached.until > now()) return cached.client;
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: publisherRoleArn, RoleSessionName: 'people-pathing-publisher', DurationSeconds: 3600 }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole of the publisher role returned no credentials');
    const until = (c.Expiration?.getTime() ?? now() + 15 * 60_000) - 5 * 60_000;
    cached = { client: newSts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }), until };
    return cached.client;
  };
  return { send: (async (command: AssumeRoleCommand) => (await client()).send(command)) as StsSend['send'] };
}

/** StartPersonTracking's proof that a RoleArn trusts the publisher role with ExternalId = the caller's account. */
export class StsRoleTrustProbe implements RoleTrustProbe {
  constructor(private readonly sts: StsSend) {}

  async canAssume(roleArn: string, externalId: string): Promise<'trusted' | 'refused'> {
    try {
      // The shortest session STS allows; the credentials are dropped at once.
      await this.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'people-pathing-start-check', ExternalId: externalId, DurationSeconds: 900 }));
      return 'trusted';
    } catch (error) {
      if (isAccessDenied(error)) return 'refused';
      throw error;
    }
  }
}
