/**
 * Access keys the service issues itself (doc/architecture/0011-sigv4-issued-keys.md): an access key id and
 * secret, like an IAM user's, bound to one account. The account is the caller's identity for isolation,
 * limits and idempotency, as the IAM account is behind API Gateway's AWS_IAM auth.
 *
 * The port is implemented by a file in local mode (cli/local/key-file-store.ts) and by DynamoDB with
 * KMS-encrypted secrets when deployed (adapters/dynamodb-key-store.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';

/** The encryption context `purpose` of deployed secrets (KMS), also the condition of the Lambda's kms:Decrypt. */
export const KEY_PURPOSE = 'people-pathing-access-key';
/** The stack outputs `keys --stack` reads: the keys table and the KMS key of its secrets. */
export const KEYS_TABLE_OUTPUT = 'AccessKeysTable';
export const KEYS_KMS_KEY_OUTPUT = 'AccessKeysKmsKey';

/** What `keys list` shows: never the secret. */
export interface AccessKeyInfo {
  accessKeyId: string;
  account: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601; set once revoked. A revoked key never verifies again. */
  revokedAt?: string;
}

export interface IssuedKey extends AccessKeyInfo {
  secretAccessKey: string;
}

/** What the verifier needs of an active key. */
export interface ActiveKey {
  secretAccessKey: string;
  account: string;
}

export interface KeyLookup {
  /** The active key with this id; undefined when unknown or revoked. */
  lookup(accessKeyId: string): Promise<ActiveKey | undefined>;
}

export interface KeyStore extends KeyLookup {
  /** Stores a new key (see newAccessKey) for the account and returns it, secret included. */
  create(account: string): Promise<IssuedKey>;
  list(): Promise<AccessKeyInfo[]>;
  /** Marks the key revoked; false when there is no such key. */
  revoke(accessKeyId: string): Promise<boolean>;
}

/** Accounts name a job's owner in keys and result paths: a 12-digit AWS-style id or a short name. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Issued ids look like IAM ones (20 characters, upper-case base32 alphabet) with their own prefix. */
export const ACCESS_KEY_ID_PATTERN = /^AKPP[A-Z2-7]{16}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A deployed stack's callers are AWS accounts: their jobs' NotificationChannel roles and topics carry a 12-digit
 * account id (spec §2.1), so a key for anything else could never run a job with a notification.
 */
export const AWS_ACCOUNT_PATTERN = /^\d{12}$/;

export function validateAwsAccount(account: string): string {
  if (!AWS_ACCOUNT_PATTERN.test(account)) {
    throw new Error(`account must be a 12-digit AWS account id for a deployed stack; got '${account}'`);
  }
  return account;
}

export function validateAccount(account: string): string {
  if (!ACCOUNT_PATTERN.test(account)) {
    throw new Error(`account must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got '${account}'`);
  }
  return account;
}

/** A fresh key: 16 random base32 characters after the AKPP prefix, a 40-character secret of 240 random bits. */
export function newAccessKey(account: string, now: Date = new Date()): IssuedKey {
  validateAccount(account);
  let id = 'AKPP';
  for (let i = 0; i < 16; i++) id += BASE32[randomInt(BASE32.length)];
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64'), account, createdAt: now.toISOString() };
}

/**
 * Remembers keys found for at most `ttlMs` (default 60 s), so a revoked key stops verifying within that time.
 * Unknown ids are not remembered: a key created a moment ago works at once.
 */
export class CachedKeyLookup implements KeyLookup {
  private readonly cache = new Map<string, { key: ActiveKey; until: number }>();

  constructor(
    private readonly inner: KeyLookup,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
  ) {}

  async lookup(accessKeyId: string): Promise<ActiveKey | undefined> {
    const t = this.now();
    const hit = this.cache.get(accessKeyId);
    if (hit && hit.until > t) return hit.key;
    this.cache.delete(accessKeyId);
    const key = await this.inner.lookup(accessKeyId);
    if (key) {
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(accessKeyId, { key, until: t + this.ttlMs });
    }
    return key;
  }
}
