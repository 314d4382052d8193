/**
 * people-pathing get --endpoint URL --job-id ID [--out results.json] [--sort-by TIMESTAMP|INDEX] [--page-size N]
 *                    [--region R] [--wait] [--poll-seconds S] [--signing-name NAME]
 *
 * Pages through GetPersonTracking with the real SDK client (@aws-sdk/client-rekognition, paginateGetPersonTracking)
 * and writes one merged GetPersonTracking JSON ({JobStatus, JobId, VideoMetadata, Video, JobTag, Persons}): the input
 * of `people-pathing render`. Works against local mode (`people-pathing serve`), a deployment, or Rekognition itself.
 *
 * Credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...). Local mode
 * does not verify signatures but reads the access key id as the caller's account, so use the key that started the
 * job; for a loopback endpoint with no credentials configured, the key id `local` is used.
 * A deployment behind API Gateway with IAM auth verifies SigV4 for the service `execute-api` (spec §9): that signing
 * name is used when the endpoint's host is an execute-api host, or when --signing-name says so.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { command } from './args.js';
import { GetPersonTrackingCommand, RekognitionClient, paginateGetPersonTracking } from '@aws-sdk/client-rekognition';
import type { GetPersonTrackingCommandOutput, RekognitionClientConfig } from '@aws-sdk/client-rekognition';

const USAGE = `usage: people-pathing get --endpoint URL --job-id ID [--out results.json] [options]

  --endpoint URL       the API (local mode: http://127.0.0.1:8085; a deployment's URL; Rekognition's)
  --job-id ID          the JobId StartPersonTracking returned
  --out FILE           where to write the merged result (default: standard output)
  --sort-by ORDER      TIMESTAMP (default) or INDEX
  --page-size N        MaxResults per GetPersonTracking call (default 1000)
  --region R           signing region (default $AWS_REGION, else us-east-1)
  --wait               while the job is IN_PROGRESS, poll until it ends, showing its progress (people-pathing
                       endpoints report segments and frames done and an ETA; Rekognition reports none)
  --poll-seconds S     seconds between polls with --wait (default 5)
  --signing-name NAME  SigV4 service name (default: execute-api for execute-api hosts, else rekognition)
Exit status: 0 SUCCEEDED, 1 FAILED or error, 2 usage, 3 still IN_PROGRESS (without --wait).
`;

/** GetPersonTracking's JobProgress member (core/types.ts JobProgress), which SDK clients do not model. */
interface JobProgress {
  Percent?: number;
  FramesDone?: number;
  Frames?: number;
  SegmentsDone?: number;
  Segments?: number;
  EtaSeconds?: number;
}

/**
 * Reads the JobProgress member from each raw GetPersonTracking response before the SDK's deserializer, which keeps
 * only the members of Rekognition's model, sees it. The body is read once and handed on as bytes.
 */
function captureProgress(client: RekognitionClient, onProgress: (p: JobProgress | undefined) => void): void {
  type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0];
  const middleware = (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
    const out = await next(args);
    const response = out.response as { statusCode?: number; body?: unknown };
    const body = response.body as AsyncIterable<Uint8Array> | Uint8Array | undefined;
    if (response.statusCode === 200 && body && !(body instanceof Uint8Array) && Symbol.asyncIterator in Object(body)) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      response.body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      try {
        onProgress((JSON.parse(bytes.toString('utf8')) as { JobProgress?: JobProgress }).JobProgress);
      } catch {
        onProgress(undefined);
      }
    }
    return out;
  };
  client.middlewareStack.addRelativeTo(middleware as unknown as Middleware, {
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    name: 'peoplePathingJobProgress',
  });
}

function fmtSeconds(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** One progress line: `job ID IN_PROGRESS 42.0%  segments 1/3  frames 900/2535  ETA 0:35`. */
export function progressLine(jobId: string, p: JobProgress | undefined): string {
  const parts = [`job ${jobId} IN_PROGRESS`];
  if (p?.Percent !== undefined) parts[0] += ` ${p.Percent.toFixed(1)}%`;
  if (p?.Segments !== undefined) parts.push(`segments ${p.SegmentsDone ?? 0}/${p.Segments}`);
  if (p?.Frames !== undefined) parts.push(`frames ${p.FramesDone ?? 0}/${p.Frames}`);
  if (p?.EtaSeconds !== undefined) parts.push(`ETA ${fmtSeconds(p.EtaSeconds)}`);
  return parts.join('  ');
}

function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The Rekognition client for an endpoint, signed as every command signs (also used by `analyse --job-id`). */
export function rekognitionClient(endpoint: URL, regionOption?: string, signingNameOption?: string): RekognitionClient {
  const region = regionOption ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const signingName = signingNameOption ?? (/\.execute-api\./.test(endpoint.hostname) ? 'execute-api' : undefined);
  const config: RekognitionClientConfig & { signingName?: string } = { region, endpoint: endpoint.toString().replace(/\/$/, '') };
  // spec §9.2 variant B: the SDK honours `signingName` at run time although its types do not list it.
  if (signingName) config.signingName = signingName;
  if (isLoopback(endpoint) && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return new RekognitionClient(config);
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command('get', USAGE);
  const parsed = cmd.parse(argv, {
    endpoint: { type: 'string' },
    'job-id': { type: 'string' },
    out: { type: 'string' },
    'sort-by': { type: 'string' },
    'page-size': { type: 'string' },
    region: { type: 'string' },
    wait: { type: 'boolean' },
    'poll-seconds': { type: 'string' },
    'signing-name': { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const sortBy = (values['sort-by'] ?? 'TIMESTAMP').toUpperCase();
  const pageSize = values['page-size'] === undefined ? 1000 : Number(values['page-size']);
  const pollSeconds = values['poll-seconds'] === undefined ? 5 : Number(values['poll-seconds']);
  let endpoint: URL | undefined;
  try {
    endpoint = values.endpoint ? new URL(values.endpoint) : undefined;
  } catch {
    endpoint = undefined;
  }
  if (!endpoint || !values['job-id'] || (sortBy !== 'TIMESTAMP' && sortBy !== 'INDEX') || !(Number.isInteger(pageSize) && pageSize >= 1) || !(pollSeconds > 0)) return cmd.usageError();
  const jobId = values['job-id'];
  const client = rekognitionClient(endpoint, values.region, values['signing-name']);
  let progress: JobProgress | undefined;
  if (values.wait) captureProgress(client, (p) => (progress = p));
  const tty = process.stderr.isTTY === true;
  try {
    let head = await client.send(new GetPersonTrackingCommand({ JobId: jobId, MaxResults: 1 }));
    let shown = '';
    while (head.JobStatus === 'IN_PROGRESS' && values.wait) {
      const line = progressLine(jobId, progress);
      if (line !== shown) {
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        shown = line;
      }
      await new Promise((r) => setTimeout(r, pollSeconds * 1000));
      head = await client.send(new GetPersonTrackingCommand({ JobId: jobId, MaxResults: 1 }));
    }
    if (tty && shown) process.stderr.write('\n');
    if (head.JobStatus === 'IN_PROGRESS') {
      process.stderr.write(`people-pathing get: job ${jobId} is still IN_PROGRESS (use --wait to poll)\n`);
      return 3;
    }
    if (head.JobStatus !== 'SUCCEEDED') {
      process.stderr.write(`people-pathing get: job ${jobId} ${head.JobStatus ?? 'has no status'}${head.StatusMessage ? `: ${head.StatusMessage}` : ''}\n`);
      return 1;
    }
    const count = await writeMerged(client, jobId, sortBy, pageSize, values.out);
    process.stderr.write(`people-pathing get: ${count} person detections${values.out ? ` written to ${values.out}` : ''}\n`);
    return 0;
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`people-pathing get: ${e.name}: ${e.message}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}

/**
 * Streams the pages into one JSON document (header members from the first page, Persons from all of them), so a long
 * video's result never has to be one string in memory.
 */
async function writeMerged(client: RekognitionClient, jobId: string, sortBy: 'TIMESTAMP' | 'INDEX', pageSize: number, outPath?: string): Promise<number> {
  const out = outPath ? createWriteStream(outPath) : process.stdout;
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let count = 0;
  let first: GetPersonTrackingCommandOutput | undefined;
  for await (const page of paginateGetPersonTracking({ client, pageSize }, { JobId: jobId, SortBy: sortBy })) {
    if (!first) {
      first = page;
      const header = { JobStatus: page.JobStatus, JobId: page.JobId ?? jobId, VideoMetadata: page.VideoMetadata, Video: page.Video, JobTag: page.JobTag };
      await write(JSON.stringify(header).slice(0, -1) + ',"Persons":['); // JobId is always set: never "{}"
    }
    for (const p of page.Persons ?? []) await write((count++ ? ',\n' : '\n') + JSON.stringify(p));
  }
  if (!first) await write(JSON.stringify({ JobId: jobId }).replace(/}$/, ',"Persons":['));
  await write('\n]}\n');
  if (outPath) {
    (out as ReturnType<typeof createWriteStream>).end();
    await once(out, 'finish');
  }
  return count;
}
