/**
 * Local buckets: {Bucket: "b", Name: "k"} is the file <bucketsDir>/b/k, with S3's rule that a key is a literal string.
 * `Version` has no local meaning and is ignored.
 *
 * - No normalisation: a key with an empty component (leading, trailing or doubled `/`), or a component `.` or `..`,
 *   names an object no file can hold (S3 keeps `clip.mp4`, `./clip.mp4` and `clip.mp4/` apart), so it is not found.
 * - A file is served only when its real path lies inside the bucket's real folder: a symlink that stays inside is
 *   followed, one that leaves is not found, exactly as a missing key (so a caller learns nothing about other files).
 * - A bucket is one folder name under the buckets root; a symlinked bucket folder is followed only when its target
 *   lies inside the buckets root.
 *
 * The check is made on an open descriptor, not on the name: the file is opened once (O_NONBLOCK, so a FIFO cannot
 * hang it), fstat'ed, and its real path is that of the descriptor (/proc/self/fd on Linux; elsewhere realpath of the
 * name, accepted only when it is the same inode as the descriptor). ffmpeg is then handed that verified real path,
 * which has no symlink left in it (doc/architecture/0018).
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { VideoObjectInfo, VideoSource } from '../../core/ports.js';
import type { Video } from '../../core/types.js';

/** A key's components, or undefined when S3 would keep the key apart from every file path (see above). */
export function keyComponents(key: string): string[] | undefined {
  if (key.includes('\0')) return undefined;
  const parts = key.split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..') ? parts : undefined;
}

/** Whether `path` lies strictly inside the folder `dir` (both real, absolute paths). */
function inside(dir: string, path: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export interface BucketFile {
  /** The file's real path (no symlink in it), inside the bucket's real folder. */
  path: string;
  sizeBytes: number;
}

export class LocalBuckets implements VideoSource {
  private readonly root: string;

  constructor(bucketsDir: string) {
    this.root = resolve(bucketsDir);
  }

  /** The verified file of a video, or undefined when it is missing, unreadable, not a regular file or outside its bucket. */
  async file(video: Video): Promise<BucketFile | undefined> {
    const bucket = video.S3Object?.Bucket;
    const key = video.S3Object?.Name;
    if (!bucket || !key || keyComponents(bucket)?.length !== 1) return undefined;
    const parts = keyComponents(key);
    if (!parts) return undefined;
    try {
      const rootReal = await realpath(this.root);
      const bucketReal = await realpath(join(this.root, bucket));
      if (!inside(rootReal, bucketReal)) return undefined;
      const handle = await open(join(bucketReal, ...parts), constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const info = await handle.stat();
        if (!info.isFile()) return undefined;
        const real = await descriptorPath(handle.fd, join(bucketReal, ...parts), info);
        if (!real || !inside(bucketReal, real)) return undefined;
        return { path: real, sizeBytes: info.size };
      } finally {
        await handle.close();
      }
    } catch {
      return undefined;
    }
  }

  /** Local buckets have no owners: every caller's account sees the same folders. */
  async head(video: Video): Promise<VideoObjectInfo | undefined> {
    const file = await this.file(video);
    return file && { sizeBytes: file.sizeBytes };
  }
}

/** The real path of the file open on `fd`: the kernel's own answer where it gives one, else realpath of the same inode. */
async function descriptorPath(fd: number, name: string, info: { dev: number; ino: number; nlink: number }): Promise<string | undefined> {
  if (info.nlink === 0) return undefined; // removed since the open: the object is gone
  if (process.platform === 'linux') {
    const path = await readlink(`/proc/self/fd/${fd}`).catch(() => undefined);
    if (path !== undefined) return path.startsWith('/') ? path : undefined;
  }
  const real = await realpath(name);
  const again = await stat(real);
  return again.dev === info.dev && again.ino === info.ino ? real : undefined;
}
