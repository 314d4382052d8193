/**
 * Results of a job in AWS live under `s3://bucket/prefix/` (written by the tracker container). Pages are read
 * with ranged GetObject — two small ranges per page plus the manifest, whatever the size of the video.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobRecord, ResultsStore } from '../core/ports.js';
import type { ByteRangeSource } from '../core/results-format.js';

export function parseS3Location(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) throw new Error('results location is not an s3:// URL');
  const prefix = match[2] === '' || match[2].endsWith('/') ? match[2] : `${match[2]}/`;
  return { bucket: match[1], prefix };
}

export class S3RangeSource implements ByteRangeSource {
  constructor(
    private readonly client: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  private async get(name: string, range?: string): Promise<Uint8Array> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + name, Range: range }));
    if (!out.Body) return new Uint8Array(0);
    return out.Body.transformToByteArray();
  }

  async readRange(name: string, start: number, endExclusive: number): Promise<Uint8Array> {
    if (endExclusive <= start) return new Uint8Array(0);
    const bytes = await this.get(name, `bytes=${start}-${endExclusive - 1}`);
    if (bytes.length !== endExclusive - start) throw new Error(`short ranged read of ${name}`);
    return bytes;
  }

  readAll(name: string): Promise<Uint8Array> {
    return this.get(name);
  }
}

export class S3ResultsStore implements ResultsStore {
  constructor(private readonly client: Pick<S3Client, 'send'>) {}

  open(job: JobRecord): ByteRangeSource {
    if (!job.resultsLocation) throw new Error(`job ${job.jobId} has no results location`);
    const { bucket, prefix } = parseS3Location(job.resultsLocation);
    return new S3RangeSource(this.client, bucket, prefix);
  }
}
