/**
 * people-pathing serve [--port 8085] [--data-dir .people-pathing] [--buckets-dir DIR]
 *                      [--accounts KEY=ACCOUNT,...] [--concurrent-job-limit 20] [--workers 1]
 *                      [--models-dir DIR] [--model FILE] [--no-faces]
 *
 * Serves the Rekognition-compatible API on 127.0.0.1 with the embedded store, local buckets and the tracking
 * engine in-process. Runs until SIGINT/SIGTERM; jobs interrupted by the shutdown resume on the next start.
 */
import { parseArgs } from 'node:util';
import type { VideoProcessor } from '../core/ports.js';
import { DEFAULT_CONCURRENT_JOB_LIMIT } from '../core/api/handler.js';
import { startLocalServer } from './local/server.js';
import { parseAccounts } from './local/auth.js';

const USAGE = `usage: people-pathing serve [--port 8085] [--data-dir .people-pathing] [--buckets-dir DIR]
                            [--accounts KEY=ACCOUNT,...] [--concurrent-job-limit ${DEFAULT_CONCURRENT_JOB_LIMIT}] [--workers 1]
                            [--models-dir DIR] [--model FILE] [--no-faces]

  --buckets-dir   {Bucket: "b", Name: "k"} reads <buckets-dir>/b/k (default <data-dir>/buckets)
  --accounts      map SigV4 access key ids to account ids (unmapped keys are their own account)
  --models-dir    folder of the tracking models (default $PEOPLE_PATHING_MODELS_DIR)
  --model         ONNX person detector file (default: the engine's default model in the models dir)
  --no-faces      skip face detection (Person.Face); also PEOPLE_PATHING_FACES=off
  --workers       jobs tracked at once; with N > 1 a long video is also cut into segments tracked in N
                  processes and stitched (doc/segments.md)
`;

async function loadEngine(modelsDir: string | undefined, modelPath: string | undefined, faces: boolean, workers: number): Promise<VideoProcessor> {
  // Loaded on demand so `serve --help` and argument errors do not pay for onnxruntime.
  const { createEngineProcessor } = await import('../containers/tracker/src/index.js');
  const options = { ...(modelsDir ? { modelsDir } : {}), ...(modelPath ? { modelPath } : {}), ...(faces ? {} : { faces: false as const }) };
  if (workers <= 1) return createEngineProcessor(options);
  // Long videos are cut by the segment plan and tracked in `workers` processes (pipeline/segment-processor.ts).
  const { createSegmentingProcessor } = await import('../containers/tracker/src/pipeline/segment-processor.js');
  return createSegmentingProcessor({ ...options, workers }, createEngineProcessor(options));
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'buckets-dir': { type: 'string' },
        accounts: { type: 'string' },
        'concurrent-job-limit': { type: 'string' },
        workers: { type: 'string' },
        'models-dir': { type: 'string' },
        model: { type: 'string' },
        faces: { type: 'boolean', default: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }));
  } catch (e) {
    process.stderr.write(`people-pathing serve: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  const port = positiveInt(str('port'), '--port', 8085);
  const workers = Math.max(1, positiveInt(str('workers'), '--workers', 1));
  const processor = await loadEngine(str('models-dir'), str('model'), values.faces !== false, workers);
  const server = await startLocalServer({
    port,
    dataDir: str('data-dir') ?? '.people-pathing',
    bucketsDir: str('buckets-dir'),
    accounts: str('accounts') ? parseAccounts(str('accounts') as string) : {},
    concurrentJobLimit: positiveInt(str('concurrent-job-limit'), '--concurrent-job-limit', DEFAULT_CONCURRENT_JOB_LIMIT),
    workerConcurrency: workers,
    processor,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(
    `people-pathing: Rekognition-compatible endpoint on ${server.url} (data ${server.dataDir})\n` +
      `  AWS_ENDPOINT_URL_REKOGNITION=${server.url} aws rekognition get-person-tracking --job-id <JobId>\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('people-pathing: shutting down\n');
  await server.close();
  return 0;
}
