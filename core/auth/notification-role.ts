/**
 * Who a caller may make the service act as (doc/architecture/0020-roles-and-segment-cost.md). Rekognition checked
 * iam:PassRole on NotificationChannel.RoleArn; a self-hosted service cannot, so StartPersonTracking checks instead:
 *
 *  1. the role is in the caller's own account, or in one the deployment lists (`-c allowedAccounts`);
 *  2. where roles can be assumed (AWS), the role trusts this stack's one publisher role with
 *     sts:ExternalId = the caller's account — proven by assuming it (RoleTrustProbe) — or else the topic is one
 *     of the caller's own on the operator's allow-list, which the service publishes to as itself.
 *
 * Anything else is AccessDeniedException at Start, not a notification lost at the end. The notifier applies the
 * same account rule again when it publishes, and always sends the job's account as the ExternalId, never a value
 * from the request: that is what keeps one caller from borrowing another account's trusting role.
 */
import { ServiceError } from '../api/errors.js';
import type { RoleTrustProbe } from '../ports.js';
import type { NotificationChannel } from '../types.js';

export interface NotificationRolePolicy {
  /** Accounts, besides the caller's own, whose roles a caller may name (-c allowedAccounts). */
  allowedAccounts: readonly string[];
  /** Topic ARN patterns the service publishes to as itself (`*` wildcards), only in the caller's account. */
  topicAllowList?: readonly string[];
  /** Absent in local mode (no IAM): only the account rule applies. */
  probe?: RoleTrustProbe;
}

export const ROLE_ACCOUNT_MESSAGE =
  'NotificationChannel.RoleArn must be a role in your own AWS account or in an account this service allows';
export const ROLE_TRUST_MESSAGE =
  "Cannot assume NotificationChannel.RoleArn: its trust policy must allow this service's publisher role with sts:ExternalId set to your account id";

/** The account field of an ARN (`arn:partition:service:region:account:resource`), or undefined. */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[4] : undefined;
}

/** `*` matches any run of characters; everything else literally. */
export function arnMatches(arn: string, pattern: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(arn);
}

/** Rule 1: may a caller of `callerAccount` name this role at all? */
export function roleAccountAllowed(roleArn: string, callerAccount: string, allowedAccounts: readonly string[]): boolean {
  const parts = roleArn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'iam') return false;
  const account = parts[4];
  return account === callerAccount || allowedAccounts.includes(account);
}

/** May the service publish to this topic as itself for this caller (the allow-list path)? */
export function topicOnAllowList(topicArn: string, callerAccount: string, allowList: readonly string[]): boolean {
  return arnAccount(topicArn) === callerAccount && allowList.some((p) => arnMatches(topicArn, p));
}

/** StartPersonTracking's check of a NotificationChannel; throws AccessDeniedException. */
export async function authorizeNotificationChannel(
  channel: NotificationChannel | undefined,
  callerAccount: string,
  policy: NotificationRolePolicy,
): Promise<void> {
  if (!channel) return;
  if (!roleAccountAllowed(channel.RoleArn, callerAccount, policy.allowedAccounts)) {
    throw new ServiceError('AccessDeniedException', ROLE_ACCOUNT_MESSAGE);
  }
  if (!policy.probe) return;
  if ((await policy.probe.canAssume(channel.RoleArn, callerAccount)) === 'trusted') return;
  if (topicOnAllowList(channel.SNSTopicArn, callerAccount, policy.topicAllowList ?? [])) return;
  throw new ServiceError('AccessDeniedException', ROLE_TRUST_MESSAGE);
}
