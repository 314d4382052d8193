/**
 * The input video check of StartPersonTracking in AWS: HeadObject as the API's role, with ExpectedBucketOwner =
 * the caller's account (a bucket of another account answers 403). Missing object, no access, another owner, wrong
 * region (301/400) → undefined (InvalidS3ObjectException); throttling and 5xx are rethrown (the caller gets
 * InternalServerError and retries). The tracker container reads the video with the same owner check.
 */
import { HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { VideoObjectInfo, VideoSource } from '../core/ports.js';
import type { Video } from '../core/types.js';

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
      const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      if (status !== undefined && status >= 300 && status < 500 && status !== 429) return undefined;
      throw e;
    }
  }
}
