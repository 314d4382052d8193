/**
 * The job repository on DynamoDB — the one implementation of core's JobStore, used by the API Lambda, the
 * workflow Lambdas and local mode (on an embedded dynalite). Single table, string keys `pk`/`sk`, TTL
 * attribute `ttl` (epoch seconds):
 *
 *   job      pk JOB#<jobId>                   sk JOB          the JobRecord fields (+ ttl); while its notification
 *                                                             is owed also `owed` = OWED, the key of the sparse
 *                                                             index OWED_INDEX (sort key notificationAt)
 *   token    pk TOKEN#<account>#<token>       sk TOKEN        jobId, requestHash, createdAt (+ ttl, 7 days)
 *   counter  pk ACCOUNT#<account>             sk CONCURRENCY  running (IN_PROGRESS jobs of the account),
 *                                                             suspect (reconciler: running looked too high)
 *
 * Admission uses only single-item conditional writes (no transactions — dynalite has none, and the same
 * code must run in both places): token put (attribute_not_exists) → counter ADD 1 if running < limit →
 * job put. A limit failure removes the token again; a failed token put reads the token back (dynalite
 * ignores ReturnValuesOnConditionCheckFailure) and answers the earlier job or a parameter mismatch.
 * See doc/architecture/0003-job-store-and-idempotency.md; the notification outbox: 0017-notification-outbox.md.
 */
import { ConditionalCheckFailedException, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { createTableIfMissing } from './dynamodb-tables.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JobOutcome, JobRecord, JobStore, NewJob, ProgressDetail, SlotCounter, SlotSuspect } from '../core/ports.js';
import { ServiceError, idempotentParameterMismatch, limitExceeded } from '../core/api/errors.js';
import { RETENTION_SECONDS, newJobId } from '../core/jobs/request-hash.js';

export interface DynamoDbJobStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => number;
  /** How long a concurrent identical start waits for the winner's job item (ms). Default 5000. */
  followerWaitMs?: number;
  /** A token whose job never appeared after this long is considered abandoned (writer crashed). Default 30000. */
  abandonedTokenMs?: number;
  /**
   * False where the table predates the owed-notifications index and cannot gain one (local mode on dynalite, which
   * has no UpdateTable for indexes): owed jobs are then found by a scan. Default true (the CDK table has it).
   */
  owedIndex?: boolean;
}

/** The sparse index of jobs whose notification is owed: partition key `owed` (only ever OWED), sort key notificationAt. */
export const OWED_INDEX = 'owed-notifications';
const OWED = 'OWED';

const JOB_SK = 'JOB';
const TOKEN_SK = 'TOKEN';
const COUNTER_SK = 'CONCURRENCY';
const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: JOB_SK });
const tokenKey = (accountId: string, token: string) => ({ pk: `TOKEN#${accountId}#${token}`, sk: TOKEN_SK });
const counterKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: COUNTER_SK });

const RECORD_FIELDS = [
  'jobId', 'accountId', 'status', 'statusMessage', 'video', 'jobTag', 'notificationChannel', 'clientRequestToken',
  'createdAt', 'completedAt', 'expiresAt', 'videoMetadata', 'resultsLocation', 'progress', 'startedAt',
  'progressDetail', 'notification', 'notificationAt',
] as const;

/** The finite, non-negative numbers of a ProgressDetail (nothing else is stored). */
function progressDetailItem(detail: ProgressDetail): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['frames', 'totalFrames', 'segments', 'segmentsDone', 'etaSec'] as const) {
    const v = detail[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = k === 'etaSec' ? Math.round(v) : Math.floor(v);
  }
  return out;
}

function toRecord(item: Record<string, unknown>): JobRecord {
  const record: Record<string, unknown> = {};
  for (const f of RECORD_FIELDS) if (item[f] !== undefined) record[f] = item[f];
  return record as unknown as JobRecord;
}

const isConditionFailure = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException || (e instanceof Error && e.name === 'ConditionalCheckFailedException');

/** Awaits a conditional write: false when its condition did not hold; any other error is thrown. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface TokenItem {
  jobId: string;
  requestHash: string;
  createdAt: number;
  ttl: number;
}

export class DynamoDbJobStore implements JobStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly followerWaitMs: number;
  private readonly abandonedTokenMs: number;
  private readonly owedIndex: boolean;

  constructor(options: DynamoDbJobStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    this.followerWaitMs = options.followerWaitMs ?? 5000;
    this.abandonedTokenMs = options.abandonedTokenMs ?? 30000;
    this.owedIndex = options.owedIndex ?? true;
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  async startJob(job: NewJob, concurrentJobLimit: number): Promise<{ job: JobRecord; created: boolean }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const createdAt = this.now();
      const expiresAt = Math.floor(createdAt / 1000) + RETENTION_SECONDS;
      const jobId = newJobId();
      const token = job.clientRequestToken;

      if (token !== undefined) {
        const claimed = await this.claimToken(job.accountId, token, { jobId, requestHash: job.requestHash, createdAt, ttl: expiresAt });
        if (!claimed) {
          const earlier = await this.followToken(job, token);
          if (earlier) return { job: earlier, created: false };
          continue; // the token was released (its start hit the limit) or abandoned: try again from the top
        }
      }

      if (!(await this.admit(job.accountId, concurrentJobLimit))) {
        if (token !== undefined) await this.releaseToken(job.accountId, token, jobId);
        const running = await this.runningCount(job.accountId);
        throw limitExceeded(Math.max(running, concurrentJobLimit), job.accountId, concurrentJobLimit);
      }

      const record: JobRecord = {
        jobId,
        accountId: job.accountId,
        status: 'IN_PROGRESS',
        video: job.video,
        jobTag: job.jobTag,
        notificationChannel: job.notificationChannel,
        clientRequestToken: token,
        createdAt,
        expiresAt,
        progress: 0,
      };
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...jobKey(jobId), ...record, ttl: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { job: toRecord(record as unknown as Record<string, unknown>), created: true };
    }
    throw new ServiceError('ThrottlingException', 'Slow down; sudden increase in rate of requests');
  }

  /** Puts the token record unless a live one exists. */
  private async claimToken(accountId: string, token: string, item: TokenItem): Promise<boolean> {
    return conditional(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...tokenKey(accountId, token), ...item },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': this.nowSeconds() },
        }),
      ),
    );
  }

  private async readToken(accountId: string, token: string): Promise<TokenItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: tokenKey(accountId, token), ConsistentRead: true }));
    const item = out.Item as TokenItem | undefined;
    return item && item.ttl > this.nowSeconds() ? item : undefined;
  }

  /**
   * Another start holds the token: answer its job (same parameters) or a mismatch. Its job item may not be
   * written yet (a concurrent identical start), so wait for it; undefined means "start over".
   */
  private async followToken(job: NewJob, token: string): Promise<JobRecord | undefined> {
    const deadline = Date.now() + this.followerWaitMs;
    let delay = 5;
    for (;;) {
      const held = await this.readToken(job.accountId, token);
      if (!held) return undefined;
      if (held.requestHash !== job.requestHash) throw idempotentParameterMismatch(token);
      const existing = await this.getJob(job.accountId, held.jobId);
      if (existing) return existing;
      if (this.now() - held.createdAt > this.abandonedTokenMs) {
        await this.releaseToken(job.accountId, token, held.jobId);
        return undefined;
      }
      if (Date.now() > deadline) throw new ServiceError('ThrottlingException', 'Slow down; sudden increase in rate of requests');
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }

  private async releaseToken(accountId: string, token: string, jobId: string): Promise<void> {
    await conditional(
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: tokenKey(accountId, token),
          ConditionExpression: 'jobId = :jobId',
          ExpressionAttributeValues: { ':jobId': jobId },
        }),
      ),
    );
  }

  /** Takes one concurrency slot atomically: ADD 1 only while running < limit. */
  private async admit(accountId: string, limit: number): Promise<boolean> {
    return conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(accountId),
          UpdateExpression: 'ADD running :one',
          ConditionExpression: 'attribute_not_exists(running) OR running < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit },
        }),
      ),
    );
  }

  private async runningCount(accountId: string): Promise<number> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: counterKey(accountId), ConsistentRead: true }));
    return Number(out.Item?.running ?? 0);
  }

  async getJob(accountId: string, jobId: string): Promise<JobRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    const item = out.Item;
    // DynamoDB deletes expired items lazily (up to days later): an expired job is an unknown job.
    if (!item || item.accountId !== accountId || Number(item.ttl) <= this.nowSeconds()) return undefined;
    return toRecord(item);
  }

  async finishJob(accountId: string, jobId: string, outcome: JobOutcome): Promise<JobRecord | undefined> {
    // Whether a notification will be owed: the channel is written at admission and never changes, and the write
    // below is conditional on what was read here, so the transition and the owed marker are one write.
    const current = await this.getJob(accountId, jobId);
    if (!current || current.status !== 'IN_PROGRESS') return undefined;
    const owes = current.notificationChannel !== undefined;
    const completedAt = this.now();
    const expiresAt = Math.floor(completedAt / 1000) + RETENTION_SECONDS; // results live 7 days after completion
    const names: Record<string, string> = { '#status': 'status', '#ttl': 'ttl' };
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':inProgress': 'IN_PROGRESS',
      ':account': accountId,
      ':completedAt': completedAt,
      ':expiresAt': expiresAt,
    };
    const sets = ['#status = :status', 'completedAt = :completedAt', 'expiresAt = :expiresAt', '#ttl = :expiresAt'];
    if (outcome.status === 'SUCCEEDED') {
      sets.push('resultsLocation = :results', 'progress = :one');
      values[':results'] = outcome.resultsLocation;
      values[':one'] = 1;
    } else {
      sets.push('statusMessage = :message');
      values[':message'] = outcome.statusMessage;
    }
    if (outcome.videoMetadata) {
      sets.push('videoMetadata = :metadata');
      values[':metadata'] = outcome.videoMetadata;
    }
    if (owes) {
      sets.push('#owed = :owed', 'notification = :owed', 'notificationAt = :completedAt');
      names['#owed'] = 'owed';
      values[':owed'] = OWED;
    }
    let updated: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#status = :inProgress AND accountId = :account AND ${owes ? 'attribute_exists' : 'attribute_not_exists'}(notificationChannel)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = out.Attributes;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
    await this.releaseSlot(accountId);
    return updated ? toRecord(updated) : undefined;
  }

  private async releaseSlot(accountId: string): Promise<void> {
    await conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(accountId),
          UpdateExpression: 'ADD running :minusOne',
          ConditionExpression: 'running > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      ),
    );
  }

  async setProgress(accountId: string, jobId: string, fraction: number, detail?: ProgressDetail): Promise<void> {
    const d = detail ? progressDetailItem(detail) : undefined;
    await conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: d ? 'SET progress = :p, progressDetail = :d' : 'SET progress = :p',
          ConditionExpression: '#status = :inProgress AND accountId = :account',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':p': Math.min(1, Math.max(0, fraction)),
            ':inProgress': 'IN_PROGRESS',
            ':account': accountId,
            ...(d ? { ':d': d } : {}),
          },
        }),
      ),
    );
  }

  async markStarted(accountId: string, jobId: string, at: number): Promise<void> {
    await conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: 'SET startedAt = :at',
          ConditionExpression: '#status = :inProgress AND accountId = :account',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':at': at, ':inProgress': 'IN_PROGRESS', ':account': accountId },
        }),
      ),
    );
  }

  async listSlotCounters(): Promise<SlotCounter[]> {
    const items = await this.scanAll('sk = :counter', { ':counter': COUNTER_SK });
    return items.map((item) => {
      const counter: SlotCounter = { accountId: String(item.pk).slice('ACCOUNT#'.length), running: Number(item.running ?? 0) };
      if (item.suspect) counter.suspect = item.suspect as SlotSuspect;
      return counter;
    });
  }

  async noteSlotSuspect(accountId: string, running: number, suspect: SlotSuspect | undefined): Promise<void> {
    await this.updateCounterIf(accountId, running, suspect ? { UpdateExpression: 'SET suspect = :suspect', values: { ':suspect': suspect } } : { UpdateExpression: 'REMOVE suspect' });
  }

  async correctSlots(accountId: string, running: number, to: number): Promise<boolean> {
    return this.updateCounterIf(accountId, running, { UpdateExpression: 'SET running = :to REMOVE suspect', values: { ':to': to } });
  }

  /** An update of the account's counter, applied only while `running` still reads `expected`. */
  private async updateCounterIf(
    accountId: string,
    expected: number,
    update: { UpdateExpression: string; values?: Record<string, unknown> },
  ): Promise<boolean> {
    return conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(accountId),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: 'running = :expected',
          ExpressionAttributeValues: { ':expected': expected, ...update.values },
        }),
      ),
    );
  }

  async listOwedNotifications(owedBefore: number, limit: number): Promise<JobRecord[]> {
    const live = (item: Record<string, unknown>) => Number(item.ttl) > this.nowSeconds();
    if (!this.owedIndex) {
      const items = await this.scanAll('#owed = :owed AND notificationAt <= :before', { ':owed': OWED, ':before': owedBefore }, { '#owed': 'owed' });
      return items
        .filter(live)
        .sort((a, b) => Number(a.notificationAt) - Number(b.notificationAt))
        .slice(0, limit)
        .map(toRecord);
    }
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OWED_INDEX,
          KeyConditionExpression: '#owed = :owed AND notificationAt <= :before',
          ExpressionAttributeNames: { '#owed': 'owed' },
          ExpressionAttributeValues: { ':owed': OWED, ':before': owedBefore },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []).filter(live));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit).map(toRecord);
  }

  async claimNotification(accountId: string, jobId: string, seenAt: number, at: number): Promise<boolean> {
    return conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: 'SET notificationAt = :at',
          ConditionExpression: '#owed = :owed AND notificationAt = :seen AND accountId = :account',
          ExpressionAttributeNames: { '#owed': 'owed' },
          ExpressionAttributeValues: { ':owed': OWED, ':seen': seenAt, ':at': at, ':account': accountId },
        }),
      ),
    );
  }

  async settleNotification(accountId: string, jobId: string, state: 'SENT' | 'REFUSED', at: number): Promise<boolean> {
    return conditional(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: 'SET notification = :state, notificationAt = :at REMOVE #owed',
          ConditionExpression: '#owed = :owed AND accountId = :account',
          ExpressionAttributeNames: { '#owed': 'owed' },
          ExpressionAttributeValues: { ':owed': OWED, ':state': state, ':at': at, ':account': accountId },
        }),
      ),
    );
  }

  async listInProgress(): Promise<JobRecord[]> {
    const items = await this.scanAll('sk = :job AND #status = :inProgress', { ':job': JOB_SK, ':inProgress': 'IN_PROGRESS' }, { '#status': 'status' });
    return items.filter((item) => Number(item.ttl) > this.nowSeconds()).map(toRecord);
  }

  /**
   * Every unexpired job of one account, newest first: the local console's jobs list. A Scan, so local mode only
   * (the embedded store holds one user's jobs); the deployed API has no list operation.
   */
  async listAccountJobs(accountId: string): Promise<JobRecord[]> {
    const items = await this.scanAll('sk = :job AND accountId = :account', { ':job': JOB_SK, ':account': accountId });
    return items
      .filter((item) => Number(item.ttl) > this.nowSeconds())
      .map(toRecord)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Every item matching `filter`, across Scan pages (consistent reads). */
  private async scanAll(filter: string, values: Record<string, unknown>, names?: Record<string, string>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

/**
 * Creates the jobs table (pk/sk strings, on-demand, TTL on `ttl`, the sparse OWED_INDEX) if it does not exist and
 * waits until it is ACTIVE. Local mode and tests use it; the CDK stack defines the same key schema and index.
 * Answers whether the table has OWED_INDEX: a local table made before the index existed keeps working without it
 * (pass the answer as the store's `owedIndex`).
 */
export async function createJobsTable(client: DynamoDBClient, tableName: string): Promise<{ owedIndex: boolean }> {
  await createTableIfMissing(client, {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'owed', AttributeType: 'S' },
      { AttributeName: 'notificationAt', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: OWED_INDEX,
        KeySchema: [
          { AttributeName: 'owed', KeyType: 'HASH' },
          { AttributeName: 'notificationAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const owedIndex = (described.Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === OWED_INDEX);
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
  } catch {
    // dynalite has no UpdateTimeToLive; expiry is also enforced on read (getJob), so this is best effort.
  }
  return { owedIndex };
}
