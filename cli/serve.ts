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
import { command, UsageError, wholeNumber } from './args.js';
import type { VideoProcessor } from '../core/ports.js';
import { DEFAULT_CONCURRENT_JOB_LIMIT } from '../core/api/handler.js';
import { startLocalServer } from './local/server.js';
import { parseAccounts } from './local/auth.js';
import { FileKeyStore } from './local/key-file-store.js';

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
async function loadEngine(modelsDir: string | undefined, modelPath: string | undefined, faces: boolean, workers: number): Promise<VideoProcessor | undefined> {
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
  return createSegmentingProcessor({ ...options, workers }, createEngineProcessor(options));
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
  const dataDir = str('data-dir') ?? '.people-pathing';
  const workers = Math.max(1, wholeNumber(str('workers'), '--workers', 1));
  const processor = await loadEngine(str('models-dir'), str('model'), values.faces !== false, workers);
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
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
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
          `export AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey} AWS_REGION=us-east-1\n`,
      );
    }
  }
  process.stdout.write(`  AWS_ENDPOINT_URL_REKOGNITION=${server.url} aws rekognition get-person-tracking --job-id <JobId>\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('people-pathing: shutting down\n');
  await server.close();
  return 0;
}
