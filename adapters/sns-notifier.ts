/**
 * Publishes the completion message the way Rekognition did — as NotificationChannel.RoleArn — where that
 * role lets us, and otherwise with the service's own role to an allow-listed topic. Both the role and the
 * topic must belong to the account that started the job, so one caller can never make the service
 * publish into another account (confused deputy). See doc/architecture/0001-signing.md.
 *
 *  1. RoleArn in the caller's account → sts:AssumeRole (the role's trust policy must name the workflow
 *     role) → sns:Publish with those credentials.
 *  2. Not assumable / not allowed to publish → sns:Publish as the service, only when the topic matches the
 *     allow-list (context notificationTopicArns; the topic's policy must allow the workflow role).
 *  3. Otherwise the publish is refused (NotificationRefusedError): the outbox settles it as REFUSED instead of
 *     re-publishing (core/jobs/outbox.ts). Any other failure (throttling, KMS, network) leaves it owed.
 */
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../core/ports.js';
import type { NotificationChannel } from '../core/types.js';
import { NotificationRefusedError, assertTopicInAccount } from '../core/notification.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CallerRoleNotifierOptions {
  /** The account that started the job (API Gateway's IAM caller account). */
  accountId: string;
  /** Topic ARN patterns the service may publish to with its own role; `*` matches any run of characters. */
  allowList: string[];
  sts: Pick<STSClient, 'send'>;
  /** An SNS client for the topic's region, with the given credentials (default: the service's own). */
  snsFor: (region: string, credentials?: TemporaryCredentials) => Pick<SNSClient, 'send'>;
  /** Told which identity published, or why the caller's role was not used (no ARNs beyond the role's account). */
  onEvent?: (event: 'published-as-caller-role' | 'published-as-service' | 'caller-role-unusable', detail?: string) => void;
}

interface ParsedArn {
  service: string;
  region: string;
  account: string;
}

function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { service: parts[2], region: parts[3], account: parts[4] };
}

export function arnMatches(arn: string, pattern: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(arn);
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'AuthorizationErrorException', 'InvalidClientTokenId']);
const isDenied = (e: unknown): boolean => e instanceof Error && DENIED.has(e.name);

export class CallerRoleNotifier implements Notifier {
  constructor(private readonly options: CallerRoleNotifierOptions) {}

  async publish(channel: NotificationChannel, message: string): Promise<void> {
    const { accountId, sts, snsFor, allowList } = this.options;
    const emit = this.options.onEvent ?? (() => undefined);
    const topic = assertTopicInAccount(channel, accountId);
    const role = parseArn(channel.RoleArn);
    // No Subject and no attributes: Rekognition's messages had none.
    const command = new PublishCommand({ TopicArn: channel.SNSTopicArn, Message: message });

    if (role && role.service === 'iam' && role.account === accountId) {
      try {
        const assumed = await sts.send(
          new AssumeRoleCommand({ RoleArn: channel.RoleArn, RoleSessionName: 'people-pathing-notification', DurationSeconds: 900 }),
        );
        const c = assumed.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw Object.assign(new Error('AssumeRole returned no credentials'), { name: 'AccessDenied' });
        await snsFor(topic.region, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(command);
        emit('published-as-caller-role');
        return;
      } catch (error) {
        if (!isDenied(error)) throw error;
        emit('caller-role-unusable', error instanceof Error ? error.name : 'error');
      }
    } else {
      emit('caller-role-unusable', 'role not in the job account');
    }

    if (!allowList.some((p) => arnMatches(channel.SNSTopicArn, p))) {
      throw new NotificationRefusedError('RoleArn cannot be assumed and the topic is not on the service allow-list', 'NotificationNotAllowed');
    }
    await snsFor(topic.region).send(command);
    emit('published-as-service');
  }
}

/**
 * The per-account notifiers both Lambdas use (the API Lambda for a failed launch, the workflow for completions):
 * allow-list from NOTIFICATION_TOPIC_ALLOW_LIST (comma-separated), one service-role SNS client per region reused
 * across invocations. `wrap` instruments each new client (Powertools tracer).
 */
export function callerRoleNotifiers(options: {
  sts: Pick<STSClient, 'send'>;
  newSns: (config: { region: string; credentials?: TemporaryCredentials }) => Pick<SNSClient, 'send'>;
  onEvent?: CallerRoleNotifierOptions['onEvent'];
  env?: NodeJS.ProcessEnv;
}): (accountId: string) => Notifier {
  const allowList = ((options.env ?? process.env).NOTIFICATION_TOPIC_ALLOW_LIST ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const serviceClients = new Map<string, Pick<SNSClient, 'send'>>();
  const snsFor = (region: string, credentials?: TemporaryCredentials): Pick<SNSClient, 'send'> => {
    if (credentials) return options.newSns({ region, credentials });
    let client = serviceClients.get(region);
    if (!client) serviceClients.set(region, (client = options.newSns({ region })));
    return client;
  };
  return (accountId) => new CallerRoleNotifier({ accountId, allowList, sts: options.sts, snsFor, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
}
