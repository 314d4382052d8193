/** Local-mode adapters of the results store and the notifier. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobRecord, Notifier, ResultsStore } from '../../core/ports.js';
import { LocalFolderSource } from '../../core/results-format.js';
import type { ByteRangeSource } from '../../core/results-format.js';
import type { NotificationChannel } from '../../core/types.js';
import { assertTopicInAccount } from '../../core/notification.js';

/** A finished local job's resultsLocation is a folder written by the worker. */
export class LocalResultsStore implements ResultsStore {
  open(job: JobRecord): ByteRangeSource {
    if (!job.resultsLocation || job.resultsLocation.startsWith('s3://')) {
      throw new Error(`job ${job.jobId} has no local results`);
    }
    return new LocalFolderSource(job.resultsLocation);
  }
}

/**
 * Appends each completion notification to an NDJSON file as {"AccountId": ..., "TopicArn": ..., "Message": <spec §6
 * string>} — what SNS would have delivered, and to which account. A notifier is per account, and refuses a topic
 * outside that account exactly as the deployed notifier does (core/notification.ts assertTopicInAccount). Appends are
 * serialised so lines never interleave.
 */
export class FileNotifier {
  private chain: Promise<void> = Promise.resolve();

  /** `allowedAccounts`: accounts besides the job's own whose topics a job may name (serve --allowed-accounts). */
  constructor(
    private readonly file: string,
    private readonly allowedAccounts: readonly string[] = [],
  ) {}

  /** The notifier of jobs started by `accountId`. */
  forAccount(accountId: string): Notifier {
    return { publish: (channel, message) => this.publish(accountId, channel, message) };
  }

  private publish(accountId: string, channel: NotificationChannel, message: string): Promise<void> {
    const next = this.chain.then(async () => {
      assertTopicInAccount(channel, accountId, this.allowedAccounts);
      const line = JSON.stringify({ AccountId: accountId, TopicArn: channel.SNSTopicArn, Message: message }) + '\n';
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, line, 'utf8');
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
