/**
 * Publishes the completion message the way Rekognition did — as NotificationChannel.RoleArn — where that
 * role lets us, and otherwise with the service's own role to an allow-listed topic. The role must be in the job's
 * account or an allowed account, and is assumed through the stack's publisher role with sts:ExternalId = the
 * job's account (adapters/sts-publisher.ts, core/auth/notification-role.ts, doc 0020), so one caller can never
 * make the service act as another account's role (confused deputy). StartPersonTracking already refused a
 * channel that fails these rules; this is the same rule again at publish time.
 *
 *  1. RoleArn allowed for the job's account → sts:AssumeRole (as the publisher role, ExternalId = job account) →
 *     sns:Publish with those credentials.
 *  2. Not assumable / not allowed to publish → sns:Publish as the service, only to a topic of the job's account
 *     that matches the allow-list (context notificationTopicArns; the topic's policy must allow the workflow role).
 *  3. Otherwise the publish is refused (NotificationRefusedError): the outbox settles it as REFUSED instead of
 *     re-publishing (core/jobs/outbox.ts). Any other failure (throttling, KMS, network) leaves it owed.
 */
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../core/ports.js';
import type { NotificationChannel } from '../core/types.js';
import { arnMatches, roleAccountAllowed, topicOnAllowList } from '../core/auth/notification-role.js';
import { NotificationRefusedError, assertTopicInAccount } from '../core/notification.js';
import { publisherSts } from './sts-publisher.js';
import type { TemporaryCredentials } from './sts-publisher.js';

export { arnMatches };
export type { TemporaryCredentials };

export interface CallerRoleNotifierOptions {
  /** The account that started the job (API Gateway's IAM caller account). */
  accountId: string;
  /** Topic ARN patterns the service may publish to with its own role; `*` matches any run of characters. */
  allowList: string[];
  /** Accounts besides the job's own whose roles (and topics, published as that role) may be named. */
  allowedAccounts?: readonly string[];
  /** STS as the publisher role (adapters/sts-publisher.ts publisherSts). */
  sts: Pick<STSClient, 'send'>;
  /** An SNS client for the topic's region, with the given credentials (default: the service's own). */
  snsFor: (region: string, credentials?: TemporaryCredentials) => Pick<SNSClient, 'send'>;
  /** Told which identity published, or why the caller's role was not used (no ARNs beyond the role's account). */
  onEvent?: (event: 'published-as-caller-role' | 'published-as-service' | 'caller-role-unusable', detail?: string) => void;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'AuthorizationErrorException', 'InvalidClientTokenId']);
const isDenied = (e: unknown): boolean => e instanceof Error && DENIED.has(e.name);

export class CallerRoleNotifier implements Notifier {
  constructor(private readonly options: CallerRoleNotifierOptions) {}

  async publish(channel: NotificationChannel, message: string): Promise<void> {
    const { accountId, sts, snsFor, allowList } = this.options;
    const allowedAccounts = this.options.allowedAccounts ?? [];
    const emit = this.options.onEvent ?? (() => undefined);
    const { region: topicRegion } = assertTopicInAccount(channel, accountId, allowedAccounts);
    // No Subject and no attributes: Rekognition's messages had none.
    const command = new PublishCommand({ TopicArn: channel.SNSTopicArn, Message: message });

    if (roleAccountAllowed(channel.RoleArn, accountId, allowedAccounts)) {
      try {
        const assumed = await sts.send(
          new AssumeRoleCommand({ RoleArn: channel.RoleArn, RoleSessionName: 'people-pathing-notification', ExternalId: accountId, DurationSeconds: 900 }),
        );
        const c = assumed.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw Object.assign(new Error('AssumeRole returned no credentials'), { name: 'AccessDenied' });
        await snsFor(topicRegion, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(command);
        emit('published-as-caller-role');
        return;
      } catch (error) {
        if (!isDenied(error)) throw error;
        emit('caller-role-unusable', error instanceof Error ? error.name : 'error');
      }
    } else {
      emit('caller-role-unusable', 'role not in the job account');
    }

    if (!topicOnAllowList(channel.SNSTopicArn, accountId, allowList)) {
      throw new NotificationRefusedError('RoleArn cannot be assumed and the topic is not on the service allow-list', 'NotificationNotAllowed');
    }
    await snsFor(topicRegion).send(command);
    emit('published-as-service');
  }
}

/** The notification settings the stack gives every Lambda that publishes or checks a channel. */
export interface NotificationSettings {
  /** NOTIFICATION_TOPIC_ALLOW_LIST (comma-separated ARN patterns). */
  allowList: string[];
  /** ALLOWED_ACCOUNTS (comma-separated 12-digit ids). */
  allowedAccounts: string[];
  /** PUBLISHER_ROLE_ARN: the stack's publisher role. */
  publisherRoleArn: string | undefined;
}

export function notificationSettings(env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    allowList: list(env.NOTIFICATION_TOPIC_ALLOW_LIST),
    allowedAccounts: list(env.ALLOWED_ACCOUNTS),
    publisherRoleArn: env.PUBLISHER_ROLE_ARN || undefined,
  };
}

/**
 * The per-account notifiers the Lambdas use (the API Lambda for a failed launch, the workflow for completions,
 * the reconciler): settings from the environment (notificationSettings), STS as the publisher role, one
 * service-role SNS client per region reused across invocations. `sts` is the Lambda's own STS client.
 */
export function callerRoleNotifiers(options: {
  sts: Pick<STSClient, 'send'>;
  newSns: (config: { region: string; credentials?: TemporaryCredentials }) => Pick<SNSClient, 'send'>;
  onEvent?: CallerRoleNotifierOptions['onEvent'];
  env?: NodeJS.ProcessEnv;
  /** An STS client with the publisher role's credentials (default: a new STSClient). */
  newSts?: (credentials: TemporaryCredentials) => Pick<STSClient, 'send'>;
}): (accountId: string) => Notifier {
  const { allowList, allowedAccounts, publisherRoleArn } = notificationSettings(options.env ?? process.env);
  const sts = publisherSts({ sts: options.sts, publisherRoleArn, ...(options.newSts ? { newSts: options.newSts } : {}) });
  const serviceClients = new Map<string, Pick<SNSClient, 'send'>>();
  const snsFor = (region: string, credentials?: TemporaryCredentials): Pick<SNSClient, 'send'> => {
    if (credentials) return options.newSns({ region, credentials });
    let client = serviceClients.get(region);
    if (!client) serviceClients.set(region, (client = options.newSns({ region })));
    return client;
  };
  return (accountId) =>
    new CallerRoleNotifier({ accountId, allowList, allowedAccounts, sts, snsFor, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
}
