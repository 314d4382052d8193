/**
 * people-pathing serve [--port 8085] [--data-dir .people-pathing] [--buckets-dir DIR]
 *                      [--auth keys|none] [--regions R1,R2] [--accounts KEY=ACCOUNT,...]
 *                      [--concurrent-job-limit 20] [--workers 1]
 *                      [--models-dir DIR] [--model FILE] [--no-faces]
 *
 * Serves the Rekognition-compatible API on 127.0.0.1 with the embedded store, local buckets and the tracking
 * engine in-process. Runs until SIGINT/SIGTERM; jobs interrupted by the shutdown resume on the next start.
 * Requests must be signed with a key issued by `people-pathing keys create` (doc 0011); the first start with no
 * key issues one for the local account and prints it as `export` lines.
 */
import { join, resolve } from 'node:path';
import { command, UsageError, wholeNumber } from './args.js';
import type { VideoProcessor } from '../core/ports.js';
import { DEFAULT_CONCURRENT_JOB_LIMIT } from '../core/api/handler.js';
import { startLocalServer } from './local/server.js';
import { parseAccounts } from './local/auth.js';
import { FileKeyStore } from './local/key-file-store.js';
import { COMPLETION_STEPS } from '../core/jobs/lifecycle.js';
import type { CompletionStep } from '../core/jobs/lifecycle.js';

/** The account of the key the first `serve` issues. */
export const LOCAL_ACCOUNT = '000000000000';

const USAGE = `usage: people-pathing serve [--port 8085] [--data-dir .people-pathing] [--buckets-dir DIR]
                            [--auth keys|none] [--regions R1,R2] [--accounts KEY=ACCOUNT,...]
                            [--concurrent-job-limit ${DEFAULT_CONCURRENT_JOB_LIMIT}] [--workers 1]
                            [--models-dir DIR] [--model FILE] [--no-faces]

  --buckets-dir   {Bucket: "b", Name: "k"} reads <buckets-dir>/b/k (default <data-dir>/buckets)
  --auth          keys (default): verify SigV4 against keys from \`people-pathing keys create\`;
                  none: accept any signature, the access key id is the account (demos and tests only)
  --regions       regions a signature may be scoped to (default: any)
  --accounts      with --auth none: map access key ids to account ids (unmapped keys are their own account)
  --models-dir    folder of the tracking models (default $PEOPLE_PATHING_MODELS_DIR, else the model cache
                  ~/.cache/people-pathing/models, filled on first start; see \`people-pathing models\`)
  --model         ONNX person detector file (default: the engine's default model in the models dir)
  --no-faces      skip face detection (Person.Face); also PEOPLE_PATHING_FACES=off
  --workers       jobs tracked at once; with N > 1 a long video is also cut into segments tracked in N
                  processes and stitched (doc/segments.md)
`;

/**
 * The engine, once every model a job needs is on disk (fetched into the cache on first start). Undefined, after one
 * line on stderr naming `people-pathing models fetch --from DIR`, when a model cannot be had: serving would only
 * accept jobs that fail. With workers > 1, long videos are cut by the segment plan and tracked in that many
 * processes (pipeline/segment-processor.ts).
 */
async function loadEngine(modelsDir: string | undefined, modelPath: string | undefined, faces: boolean, workers: number, dataDir: string): Promise<VideoProcessor | undefined> {
  // Loaded on demand so `serve --help` and argument errors do not pay for onnxruntime.
  const { createEngineProcessor, createSegmentingProcessor, engineSettings, prepareEngineModels } = await import('../containers/tracker/src/index.js');
  // The environment, parsed once here and passed down (containers/tracker/src/settings.ts).
  const models = { ...(modelsDir ? { modelsDir } : {}), ...(modelPath ? { modelPath } : {}), settings: engineSettings(process.env) };
  try {
    await prepareEngineModels({ ...models, faces });
  } catch (err) {
    process.stderr.write(`people-pathing serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
  const options = { ...models, ...(faces ? {} : { faces: false as const }) };
  if (workers <= 1) return createEngineProcessor(options);
  // Segment folders live in the data dir, so a run killed before its cleanup is swept at the next start, and only
  // this data dir's.
  const tempRoot = join(resolve(dataDir), 'segments');
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  return createSegmentingProcessor({ ...options, workers, tempRoot, log }, createEngineProcessor(options));
}

/**
 * TEST-ONLY fault injection (the crash tests and `npm run bench:soak`): PEOPLE_PATHING_TEST_CRASH_AT names a
 * boundary of a job's completion (before-finish, after-finish, after-publish); the first job to reach it kills this
 * process with SIGKILL there. Read here once, nowhere else; unset (always, in use), nothing changes.
 */
export const CRASH_AT_ENV = 'PEOPLE_PATHING_TEST_CRASH_AT';

function crashInjection(value: string | undefined): ((step: CompletionStep) => void) | undefined {
  if (!value) return undefined;
  if (!COMPLETION_STEPS.includes(value as CompletionStep)) throw new UsageError(`${CRASH_AT_ENV} must be one of ${COMPLETION_STEPS.join(', ')}`);
  return (step) => {
    if (step === value) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * The one line a caller pastes to reach this endpoint with any client the README shows. The region goes in both
 * variables: the JS SDK v3 and AWS CLI v2 read AWS_REGION, botocore (boto3, AWS CLI v1) reads only AWS_DEFAULT_REGION.
 * AWS_ENDPOINT_URL_REKOGNITION is read by the JS SDK v3, boto3 ≥ 1.28.57 and AWS CLI ≥ 1.29.57/2.13.23; older
 * releases are told to pass endpoint_url= / --endpoint-url (README).
 */
export function exportLine(accessKeyId: string, secretAccessKey: string, endpoint: string, region = 'us-east-1'): string {
  return (
    `export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} ` +
    `AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_ENDPOINT_URL_REKOGNITION=${endpoint}`
  );
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command('serve', USAGE);
  const parsed = cmd.parse(
    argv,
    {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'buckets-dir': { type: 'string' },
      accounts: { type: 'string' },
      auth: { type: 'string' },
      regions: { type: 'string' },
      'concurrent-job-limit': { type: 'string' },
      workers: { type: 'string' },
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      faces: { type: 'boolean', default: true },
    },
    { negatives: true },
  );
  if (typeof parsed === 'number') return parsed;
  return cmd.run(() => serve(parsed.values));
}

async function serve(values: Record<string, string | boolean | undefined>): Promise<number> {
  const str = (k: string) => values[k] as string | undefined;
  const port = wholeNumber(str('port'), '--port', 8085);
  const auth = str('auth') ?? 'keys';
  if (auth !== 'keys' && auth !== 'none') throw new UsageError('--auth must be keys or none');
  if (str('accounts') && auth !== 'none') {
    process.stderr.write(`people-pathing serve: --accounts needs --auth none; with verified keys each key names its account (people-pathing keys create --account ID)\n`);
    return 2;
  }
  const crashAt = crashInjection(process.env[CRASH_AT_ENV]);
  const dataDir = str('data-dir') ?? '.people-pathing';
  const workers = Math.max(1, wholeNumber(str('workers'), '--workers', 1));
  const processor = await loadEngine(str('models-dir'), str('model'), values.faces !== false, workers, dataDir);
  if (!processor) return 1;
  const server = await startLocalServer({
    port,
    dataDir,
    bucketsDir: str('buckets-dir'),
    auth,
    regions: str('regions') ? (str('regions') as string).split(',').map((r) => r.trim()).filter(Boolean) : undefined,
    ...(auth === 'none' ? { accounts: str('accounts') ? parseAccounts(str('accounts') as string) : {} } : {}),
    concurrentJobLimit: wholeNumber(str('concurrent-job-limit'), '--concurrent-job-limit', DEFAULT_CONCURRENT_JOB_LIMIT),
    workerConcurrency: workers,
    processor,
    ...(crashAt ? { atStep: crashAt } : {}),
    // The activity log (jobs started, finished, resumed) goes to stdout with the endpoint line; stderr carries only
    // what needs attention (warnings, errors), so a normal run prints nothing there.
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`people-pathing: Rekognition-compatible endpoint on ${server.url} (data ${server.dataDir})\n`);
  process.stdout.write(`people-pathing: console on ${server.consoleUrl} (loopback only; sign in with an issued key)\n`);
  if (auth === 'none') {
    process.stderr.write('people-pathing: WARNING --auth none: signatures are not verified; any caller can act as any account\n');
  } else {
    const keys = new FileKeyStore(server.dataDir);
    if ((await keys.list()).length === 0) {
      const key = await keys.create(LOCAL_ACCOUNT);
      process.stdout.write(
        `people-pathing: issued an access key for account ${key.account} (shown once; more with \`people-pathing keys create\`):\n` +
          `${exportLine(key.accessKeyId, key.secretAccessKey, server.url)}\n`,
      );
    }
  }
  process.stdout.write(`  AWS_ENDPOINT_URL_REKOGNITION=${server.url} aws rekognition get-person-tracking --job-id <JobId>\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('people-pathing: shutting down\n');
  await server.close();
  return 0;
}
