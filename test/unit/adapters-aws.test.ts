/**
 * The thin AWS adapters whose services cannot run here (Step Functions) or whose failure modes s3rver cannot
 * produce (403, throttling): aws-sdk-client-mock stands in for AWS. The S3 happy paths run against s3rver in
 * test/integration/adapters-s3.test.ts.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { BatchClient, DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import { SfnLauncher } from '../../adapters/sfn-launcher.js';
import { computeEnvironmentHealth } from '../../adapters/batch-health.js';
import { S3VideoSource } from '../../adapters/s3-video-source.js';
import type { JobRecord } from '../../core/ports.js';

const job: JobRecord = {
  jobId: 'a'.repeat(64),
  accountId: '111111111111',
  status: 'IN_PROGRESS',
  video: { S3Object: { Bucket: 'videos', Name: 'clip.mp4', Version: 'v1' } },
  jobTag: 'tag',
  createdAt: 0,
  expiresAt: 0,
};

describe('SfnLauncher', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('starts one execution named after the job with the workflow input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    await new SfnLauncher(new SFNClient({ region: 'us-east-1' }), 'arn:aws:states:us-east-1:1:stateMachine:pp').launch(job);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toMatchObject({ stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:pp', name: job.jobId });
    expect(JSON.parse(calls[0].args[0].input.input!)).toEqual({ jobId: job.jobId, accountId: '111111111111', video: job.video });
  });

  it('treats an existing execution of the job as launched, and rethrows other errors', async () => {
    sfn.on(StartExecutionCommand).rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} })).rejectsOnce(new Error('boom'));
    const launcher = new SfnLauncher(new SFNClient({ region: 'us-east-1' }), 'arn:sm');
    await expect(launcher.launch(job)).resolves.toBeUndefined();
    await expect(launcher.launch(job)).rejects.toThrow('boom');
  });
});

describe('S3VideoSource failure modes', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  const error = (status: number, name: string) => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

  it('answers "unreadable" for 403/404/301 and passes the version on', async () => {
    const source = new S3VideoSource(new S3Client({ region: 'us-east-1' }));
    s3.on(HeadObjectCommand)
      .rejectsOnce(error(403, 'Forbidden'))
      .rejectsOnce(error(404, 'NotFound'))
      .rejectsOnce(error(301, 'PermanentRedirect'))
      .resolves({ ContentLength: 42 });
    for (let i = 0; i < 3; i++) expect(await source.head(job.video, job.accountId)).toBeUndefined();
    expect(await source.head(job.video, job.accountId)).toEqual({ sizeBytes: 42 });
    // The caller's account as the expected bucket owner: S3 refuses (403) a bucket another account owns.
    expect(s3.commandCalls(HeadObjectCommand).at(-1)!.args[0].input).toEqual({ Bucket: 'videos', Key: 'clip.mp4', VersionId: 'v1', ExpectedBucketOwner: '111111111111' });
  });

  it('rethrows throttling and server errors (the caller gets InternalServerError and retries)', async () => {
    const source = new S3VideoSource(new S3Client({ region: 'us-east-1' }));
    s3.on(HeadObjectCommand).rejectsOnce(error(503, 'SlowDown')).rejectsOnce(error(429, 'TooManyRequests'));
    await expect(source.head(job.video, job.accountId)).rejects.toThrow();
    await expect(source.head(job.video, job.accountId)).rejects.toThrow();
  });
});

describe('computeEnvironmentHealth (the reconciler\'s ComputeEnvironmentUnhealthy metric)', () => {
  const batch = mockClient(BatchClient);
  afterEach(() => batch.reset());
  const CE = 'arn:aws:batch:eu-west-1:111111111111:compute-environment/GpuCompute';

  it('is unhealthy when Batch reports the environment INVALID or DISABLED, or does not know it', async () => {
    const client = new BatchClient({ region: 'eu-west-1' });
    batch
      .on(DescribeComputeEnvironmentsCommand)
      .resolvesOnce({ computeEnvironments: [{ computeEnvironmentName: 'GpuCompute', computeEnvironmentArn: CE, status: 'VALID', state: 'ENABLED' }] })
      .resolvesOnce({ computeEnvironments: [{ computeEnvironmentName: 'GpuCompute', computeEnvironmentArn: CE, status: 'INVALID', state: 'ENABLED', statusReason: 'CLIENT_ERROR - instance profile not found' }] })
      .resolvesOnce({ computeEnvironments: [{ computeEnvironmentName: 'GpuCompute', computeEnvironmentArn: CE, status: 'VALID', state: 'DISABLED' }] })
      .resolvesOnce({ computeEnvironments: [] });
    expect(await computeEnvironmentHealth(client, CE)).toEqual({ healthy: true, status: 'VALID', state: 'ENABLED' });
    expect(await computeEnvironmentHealth(client, CE)).toEqual({ healthy: false, status: 'INVALID', state: 'ENABLED' });
    expect(await computeEnvironmentHealth(client, CE)).toMatchObject({ healthy: false, state: 'DISABLED' });
    expect(await computeEnvironmentHealth(client, CE)).toEqual({ healthy: false });
    expect(batch.commandCalls(DescribeComputeEnvironmentsCommand)[0].args[0].input).toEqual({ computeEnvironments: [CE] });
  });
});
