/**
 * Ranged reads of the input video (core/video/mp4-timing.ts ByteRangeSource): GetObject with a Range header and
 * ExpectedBucketOwner = the job's account, as every read of a caller's video (adapters/s3-video-source.ts). The
 * planning Lambda reads only the MP4 header this way, never the whole file. Every read after the first names the
 * first answer's ETag (If-Match), or from the first an ETag read earlier (the plan's): an object overwritten between
 * two reads answers 412 instead of mixing two files.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ByteRangeSource } from '../core/video/mp4-timing.js';
import type { S3Object } from '../core/types.js';
import { videoGetObject } from './s3-video-source.js';

/** "bytes 0-99/1234" → 1234. */
function totalSize(contentRange: string | undefined, fallback: number): number {
  const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return m ? Number(m[1]) : fallback;
}

export interface PinnedByteRangeSource extends ByteRangeSource {
  /** The ETag the reads are pinned to: `pinned`, else the first answer's (undefined before it). */
  etag(): string | undefined;
}

/** `pinned`: an ETag read earlier (the plan's), which even the first read must match. */
export function s3ByteRange(client: Pick<S3Client, 'send'>, video: S3Object, accountId: string, pinned?: string): PinnedByteRangeSource {
  let etag: string | undefined = pinned;
  return {
    etag: () => etag,
    async read(offset: number, length: number) {
      const out = await client.send(videoGetObject(video, accountId, { range: [offset, Math.max(1, length)], ifMatch: etag }));
      etag ??= out.ETag;
      const bytes = out.Body ? await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray() : new Uint8Array();
      // A server that ignores Range answers 200 with the whole object: keep only what was asked for.
      const whole = out.ContentRange === undefined;
      const size = totalSize(out.ContentRange, whole ? bytes.length : offset + bytes.length);
      return { bytes: whole ? bytes.subarray(offset, offset + length) : bytes.subarray(0, length), size };
    },
  };
}
