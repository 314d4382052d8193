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
import { parseArgs } from 'node:util';
import { GetPersonTrackingCommand, RekognitionClient, paginateGetPersonTracking } from '@aws-sdk/client-rekognition';
import type { GetPersonTrackingCommandOutput, RekognitionClientConfig } from '@aws-sdk/client-rekognition';

const USAGE = `usage: people-pathing get --endpoint URL --job-id ID [--out results.json] [options]

  --endpoint URL       the API (local mode: http://127.0.0.1:8085; a deployment's URL; Rekognition's)
  --job-id ID          the JobId StartPersonTracking returned
  --out FILE           where to write the merged result (default: standard output)
  --sort-by ORDER      TIMESTAMP (default) or INDEX
  --page-size N        MaxResults per GetPersonTracking call (default 1000)
  --region R           signing region (default $AWS_REGION, else us-east-1)
  --wait               while the job is IN_PROGRESS, poll until it ends
  --poll-seconds S     seconds between polls with --wait (default 5)
  --signing-name NAME  SigV4 service name (default: execute-api for execute-api hosts, else rekognition)
Exit status: 0 SUCCEEDED, 1 FAILED or error, 2 usage, 3 still IN_PROGRESS (without --wait).
`;

function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string' },
        'job-id': { type: 'string' },
        out: { type: 'string' },
        'sort-by': { type: 'string' },
        'page-size': { type: 'string' },
        region: { type: 'string' },
        wait: { type: 'boolean' },
        'poll-seconds': { type: 'string' },
        'signing-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`people-pathing get: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const sortBy = (values['sort-by'] ?? 'TIMESTAMP').toUpperCase();
  const pageSize = values['page-size'] === undefined ? 1000 : Number(values['page-size']);
  const pollSeconds = values['poll-seconds'] === undefined ? 5 : Number(values['poll-seconds']);
  let endpoint: URL | undefined;
  try {
    endpoint = values.endpoint ? new URL(values.endpoint) : undefined;
  } catch {
    endpoint = undefined;
  }
  if (!endpoint || !values['job-id'] || (sortBy !== 'TIMESTAMP' && sortBy !== 'INDEX') || !(Number.isInteger(pageSize) && pageSize >= 1) || !(pollSeconds > 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const jobId = values['job-id'];
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const signingName = values['signing-name'] ?? (/\.execute-api\./.test(endpoint.hostname) ? 'execute-api' : undefined);
  const config: RekognitionClientConfig & { signingName?: string } = { region, endpoint: endpoint.toString().replace(/\/$/, '') };
  // spec §9.2 variant B: the SDK honours `signingName` at run time although its types do not list it.
  if (signingName) config.signingName = signingName;
  if (isLoopback(endpoint) && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  const client = new RekognitionClient(config);
  try {
    let head = await client.send(new GetPersonTrackingCommand({ JobId: jobId, MaxResults: 1 }));
    while (head.JobStatus === 'IN_PROGRESS' && values.wait) {
      await new Promise((r) => setTimeout(r, pollSeconds * 1000));
      head = await client.send(new GetPersonTrackingCommand({ JobId: jobId, MaxResults: 1 }));
    }
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
