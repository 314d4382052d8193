/**
 * Entry point of the tracker image (ENTRYPOINT node /app/tracker.mjs, bundled from this file): wires S3,
 * the job store and the engine into runTrackerJob and exits with its code. The workflow passes the job in
 * the environment (JOB_ID, ACCOUNT_ID, VIDEO, RESULTS_PREFIX); the job definition adds JOBS_TABLE and
 * RESULTS_BUCKET; the image sets PEOPLE_PATHING_MODEL(_KIND). The deadline is TRACKER_DEADLINE_BASE_SECONDS
 * (default 900) + TRACKER_TIME_FACTOR (protocol.TIME_FACTOR: the job definition and the task definition set theirs)
 * × the video's duration, clamped to 6 h (protocol.deadlineMsFor); progress is
 * written on the job record at most every TRACKER_PROGRESS_INTERVAL_SECONDS (default 15).
 * AWS_S3_FORCE_PATH_STYLE=true is for S3-compatible stores (and the local tests, which run this file as a process).
 *
 * Segmented tracking (container/segments.ts): the PlanSegments Lambda plans before any container starts; with
 * TRACKER_MODE=segment this is one Batch array child (AWS_BATCH_JOB_ARRAY_INDEX) of the plan it wrote.
 */
import { tmpdir } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BatchClient, TerminateJobCommand } from '@aws-sdk/client-batch';
import { DynamoDbJobStore } from '../../../../adapters/dynamodb-job-store.js';
import { createEngineProcessor, probeVideo, toVideoMetadata } from '../index.js';
import { TIME_FACTOR } from '../../../../core/tracker-protocol.js';
import { runTrackerJob } from './run.js';
import { runSegmentChild } from './segments.js';
import { defaultFaceModel } from '../pipeline/face-thread.js';
import { engineSettings } from '../settings.js';
import type { SegmentJobOptions } from '../pipeline/segment-run.js';

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ level: 'INFO', service: 'people-pathing-tracker', timestamp: new Date().toISOString(), event, ...fields }) + '\n');
}

async function main(): Promise<number> {
  const tableName = process.env.JOBS_TABLE;
  if (!tableName) {
    log('job-configuration-error', { error: 'missing JOBS_TABLE' });
    return 1;
  }
  const factor = Number(process.env.TRACKER_TIME_FACTOR ?? String(TIME_FACTOR.gpu));
  const baseSeconds = Number(process.env.TRACKER_DEADLINE_BASE_SECONDS ?? '900');
  const progressSeconds = Number(process.env.TRACKER_PROGRESS_INTERVAL_SECONDS ?? '15');
  const s3 = new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' });
  const settings = engineSettings(process.env);
  const faceModel = await defaultFaceModel(settings);
  const segmentJob: SegmentJobOptions = faceModel ? { faceModel } : {};
  if (process.env.TRACKER_MODE === 'segment') {
    return runSegmentChild({
      env: process.env,
      s3,
      job: segmentJob,
      probe: async (path) => toVideoMetadata(await probeVideo(path)),
      workDir: process.env.TRACKER_WORK_DIR ?? tmpdir(),
      // AWS_BATCH_JOB_ID of an array child is <parent id>:<index>; terminating the parent stops every child.
      terminateSiblings: async (reason) => {
        const parent = (process.env.AWS_BATCH_JOB_ID ?? '').split(':')[0];
        if (parent) await new BatchClient({}).send(new TerminateJobCommand({ jobId: parent, reason }));
      },
      log,
    });
  }
  return runTrackerJob({
    env: process.env,
    s3,
    store: new DynamoDbJobStore({ client: new DynamoDBClient({}), tableName }),
    processor: createEngineProcessor({ settings }),
    probe: async (path) => toVideoMetadata(await probeVideo(path)),
    workDir: process.env.TRACKER_WORK_DIR ?? tmpdir(),
    timeFactor: Number.isFinite(factor) && factor > 0 ? factor : TIME_FACTOR.gpu,
    deadlineBaseMs: Number.isFinite(baseSeconds) && baseSeconds >= 0 ? baseSeconds * 1000 : undefined,
    progressIntervalMs: Number.isFinite(progressSeconds) && progressSeconds >= 0 ? progressSeconds * 1000 : undefined,
    log,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log('job-error', { error: error instanceof Error ? error.name : 'error' });
    process.exit(1);
  },
);
