/**
 * The input video check of StartPersonTracking in AWS: HeadObject as the API's role, with ExpectedBucketOwner =
 * the caller's account (a bucket of another account answers 403). Missing object, no access, another owner, wrong
 * region (301/400) → undefined (InvalidS3ObjectException); throttling and 5xx are rethrown (the caller gets
 * InternalServerError and retries). The tracker container reads the video with the same owner check.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { VideoObjectInfo, VideoSource } from '../core/ports.js';
import type { S3Object, Video } from '../core/types.js';

/**
 * An S3 answer about the caller's video that asking again will not change: missing, no access, another owner, wrong
 * region or a bad range (3xx/4xx but 429). Throttling and 5xx are not: those are rethrown and retried.
 */
export function isVideoRefused(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 300 && status < 500 && status !== 429;
}

/**
 * Every read of a caller's video: GetObject with ExpectedBucketOwner = the job's account (the service's role may be
 * able to read other accounts' buckets too), and where given a byte range and the ETag it must still have (If-Match).
 */
export function videoGetObject(video: S3Object, accountId: string, read: { range?: [number, number]; ifMatch?: string } = {}): GetObjectCommand {
  return new GetObjectCommand({
    Bucket: video.Bucket,
    Key: video.Name,
    VersionId: video.Version,
    ExpectedBucketOwner: accountId,
    ...(read.range ? { Range: `bytes=${read.range[0]}-${read.range[0] + read.range[1] - 1}` } : {}),
    ...(read.ifMatch ? { IfMatch: read.ifMatch } : {}),
  });
}

/**
 * The tracker's copy of the input video (the unsplit run and every segment child): GetObject with
 * ExpectedBucketOwner = the job's account, as the API's HeadObject checked at Start — the service's role may be
 * able to read other accounts' buckets too. Any failure throws (the caller reports the video unreadable).
 */
export async function downloadVideo(client: Pick<S3Client, 'send'>, video: S3Object, accountId: string, toPath: string, ifMatch?: string): Promise<void> {
  const object = await client.send(videoGetObject(video, accountId, { ifMatch }));
  if (!object.Body) throw new Error('empty body');
  await pipeline(object.Body as Readable, createWriteStream(toPath));
}

/**
 * A segment child's sparse copy of the input video (core/video/mp4-timing.ts mp4RangeBytes): a file of the object's
 * size in which only `ranges` ([offset, length]) are written, each from its own ranged GetObject with the same owner
 * check as downloadVideo; the rest stays a hole the range run never reads. Any failure throws.
 */
export async function downloadVideoRanges(
  client: Pick<S3Client, 'send'>,
  video: S3Object,
  accountId: string,
  toPath: string,
  size: number,
  ranges: Array<[number, number]>,
  /** The ETag the header was read at: a video overwritten since answers 412 (S3 If-Match), never a mixed copy. */
  ifMatch?: string,
): Promise<number> {
  const file = await open(toPath, 'w');
  await file.truncate(size);
  await file.close();
  let written = 0;
  for (const [offset, length] of ranges) {
    const object = await client.send(videoGetObject(video, accountId, { range: [offset, length], ifMatch }));
    // A 200 with the whole object (Range ignored) or a short answer would put bytes at the wrong place.
    if (!object.Body || object.ContentRange === undefined || Number(object.ContentLength) !== length) throw new Error('range not honoured');
    await pipeline(object.Body as Readable, createWriteStream(toPath, { flags: 'r+', start: offset }));
    written += length;
  }
  return written;
}

export class S3VideoSource implements VideoSource {
  constructor(private readonly client: Pick<S3Client, 'send'>) {}

  async head(video: Video, accountId: string): Promise<VideoObjectInfo | undefined> {
    const s3 = video.S3Object;
    if (!s3?.Bucket || !s3.Name) return undefined;
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: s3.Bucket, Key: s3.Name, VersionId: s3.Version, ExpectedBucketOwner: accountId }),
      );
      return { sizeBytes: Number(out.ContentLength ?? 0) };
    } catch (e) {
      if (isVideoRefused(e)) return undefined;
      throw e;
    }
  }
}
