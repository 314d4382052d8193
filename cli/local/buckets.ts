/**
 * Local buckets: {Bucket: "b", Name: "k"} is the file <bucketsDir>/b/k. Keys that would escape the bucket
 * folder (`../`) are treated as missing objects. `Version` has no local meaning and is ignored.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { VideoObjectInfo, VideoSource } from '../../core/ports.js';
import type { Video } from '../../core/types.js';

export class LocalBuckets implements VideoSource {
  private readonly root: string;

  constructor(bucketsDir: string) {
    this.root = resolve(bucketsDir);
  }

  /** The local file of a video, or undefined when bucket/key are missing or escape the buckets folder. */
  pathOf(video: Video): string | undefined {
    const bucket = video.S3Object?.Bucket;
    const key = video.S3Object?.Name;
    if (!bucket || !key) return undefined;
    const bucketDir = resolve(this.root, bucket);
    const file = resolve(bucketDir, key);
    if (!bucketDir.startsWith(this.root + sep) || !file.startsWith(bucketDir + sep)) return undefined;
    return file;
  }

  /** Local buckets have no owners: every caller's account sees the same folders. */
  async head(video: Video): Promise<VideoObjectInfo | undefined> {
    const file = this.pathOf(video);
    if (!file) return undefined;
    try {
      const info = await stat(file);
      if (!info.isFile()) return undefined;
      await access(file, constants.R_OK);
      return { sizeBytes: info.size };
    } catch {
      return undefined;
    }
  }
}
