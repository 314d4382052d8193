/**
 * How the CLI's API commands (`get`, `analyse`) find the endpoint, region and credentials: as the AWS SDK does, so a
 * shell set up for any Rekognition client works unchanged. Flags first; then the SDK's own resolution:
 *   endpoint     --endpoint, else AWS_ENDPOINT_URL_REKOGNITION, AWS_ENDPOINT_URL, the profile's (services) endpoint_url,
 *                else Rekognition's own regional endpoint
 *   region       --region, else AWS_REGION or the profile's region (the SDK's chain), else AWS_DEFAULT_REGION (what
 *                boto3 and AWS CLI v1 read, and what `npm start` prints too), else us-east-1
 *   credentials  --profile, else the SDK's default provider chain (AWS_ACCESS_KEY_ID/…, AWS_PROFILE, the shared
 *                config and credentials files, SSO, process, container and instance roles)
 * Nothing here parses a profile file: the client's own config loaders (@smithy/core/config, the credential chain) do.
 */
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import type { RekognitionClientConfig } from '@aws-sdk/client-rekognition';
import { NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS, loadConfig } from '@smithy/core/config';
import { UsageError } from './args.js';

/** parseArgs options every API command takes (spread into the command's own). */
export const AWS_CLIENT_OPTIONS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'signing-name': { type: 'string' },
} as const;

/** Their usage lines, for the command's USAGE text. */
export const AWS_CLIENT_USAGE = `  --endpoint URL       the API (default: $AWS_ENDPOINT_URL_REKOGNITION, $AWS_ENDPOINT_URL or the profile's
                       endpoint_url, as for any AWS SDK client; local mode: http://127.0.0.1:8085)
  --region R           signing region (default: $AWS_REGION or the profile's, else $AWS_DEFAULT_REGION, else us-east-1)
  --profile NAME       credentials and settings from this profile of ~/.aws/config and ~/.aws/credentials
                       (default: $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, $AWS_PROFILE, … as the AWS SDK reads them)
  --signing-name NAME  SigV4 service name (default: execute-api for execute-api hosts, else rekognition)`;

export interface AwsClientFlags {
  endpoint?: string;
  region?: string;
  profile?: string;
  'signing-name'?: string;
}

export interface ResolvedClient {
  client: RekognitionClient;
  /** The endpoint requests go to, when one is configured (flag, environment or profile); undefined: Rekognition's. */
  endpoint: URL | undefined;
}

/** A configuration problem the user fixes in their shell or profile: the message is the whole one-line answer. */
export class AwsSetupError extends Error {}

function parseEndpoint(value: string, from: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new UsageError(`${from} must be an http(s) URL, such as http://127.0.0.1:8085 (got '${value}')`);
}

export function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The region the SDK's own chain finds (environment, profile), else AWS_DEFAULT_REGION, else us-east-1. */
function regionProvider(profile: string | undefined): () => Promise<string> {
  const sdkChain = loadConfig(NODE_REGION_CONFIG_OPTIONS, { ...NODE_REGION_CONFIG_FILE_OPTIONS, ...(profile ? { profile } : {}) });
  return async () => {
    try {
      return await sdkChain();
    } catch {
      return process.env.AWS_DEFAULT_REGION || 'us-east-1';
    }
  };
}

/**
 * A RekognitionClient configured as described above, with its credentials already resolved, so that a shell with
 * none fails here with one line that says what to do rather than with the service's UnrecognizedClientException.
 */
export async function rekognitionClient(flags: AwsClientFlags): Promise<ResolvedClient> {
  // --profile means what AWS_PROFILE means: the SDK reads a profile's endpoint_url only through AWS_PROFILE (its
  // configured-endpoint loader does not see the client's `profile`), and this process serves one command.
  if (flags.profile) process.env.AWS_PROFILE = flags.profile;
  const config: RekognitionClientConfig & { signingName?: string } = {
    region: flags.region ?? regionProvider(flags.profile),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
  if (flags.endpoint !== undefined) config.endpoint = parseEndpoint(flags.endpoint, '--endpoint').toString().replace(/\/$/, '');
  const probe = new RekognitionClient(config);
  let endpoint: URL | undefined;
  try {
    if (flags.endpoint !== undefined) {
      endpoint = new URL(config.endpoint as string);
    } else {
      const configured = await (probe.config as { serviceConfiguredEndpoint?: () => Promise<string | undefined> }).serviceConfiguredEndpoint?.();
      if (configured) endpoint = parseEndpoint(configured, 'the configured endpoint (AWS_ENDPOINT_URL_REKOGNITION, AWS_ENDPOINT_URL or endpoint_url)');
    }
    await probe.config.credentials();
  } catch (err) {
    probe.destroy();
    if (err instanceof UsageError) throw err;
    throw new AwsSetupError(noCredentialsMessage(err, endpoint));
  }
  // spec §9.2 variant B: the SDK honours `signingName` at run time although its types do not list it.
  const signingName = flags['signing-name'] ?? (endpoint && /\.execute-api\./.test(endpoint.hostname) ? 'execute-api' : undefined);
  if (!signingName) return { client: probe, endpoint };
  probe.destroy();
  return { client: new RekognitionClient({ ...config, signingName } as RekognitionClientConfig), endpoint };
}

function noCredentialsMessage(err: unknown, endpoint: URL | undefined): string {
  const why = err instanceof Error && err.name !== 'CredentialsProviderError' ? ` (${err.message.split('\n')[0]})` : '';
  const local = endpoint && isLoopback(endpoint);
  return local
    ? `no AWS credentials found${why}: paste the export line \`npm start\` printed on its first start, or make a key with \`people-pathing keys create\``
    : `no AWS credentials found${why}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / --profile for a profile in ~/.aws`;
}

/** One line for an error the service answered, with what to do where the cause is the caller's setup. */
export function describeServiceError(err: unknown, endpoint: URL | undefined): string {
  const e = err as Error & { $metadata?: unknown };
  const local = endpoint !== undefined && isLoopback(endpoint);
  if (e.name === 'UnrecognizedClientException') {
    return local
      ? 'the endpoint does not know this access key: use a key it issued (the export line `npm start` printed on its first start, or `people-pathing keys create`)'
      : 'the endpoint does not know this access key: check AWS_ACCESS_KEY_ID / the profile, and the endpoint';
  }
  if (e.name === 'InvalidSignatureException') {
    return 'the signature does not match: AWS_SECRET_ACCESS_KEY is not the secret of this access key (or --signing-name / --region differ from what the endpoint expects)';
  }
  const code = `${e.message} ${(e as { code?: string }).code ?? ''}`;
  if (/ECONNREFUSED/.test(code)) {
    return `nothing answers at ${endpoint ? endpoint.origin : 'the endpoint'}: start it (\`npm start\`) or pass --endpoint`;
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) {
    const host = /(?:ENOTFOUND|EAI_AGAIN) (\S+)/.exec(e.message)?.[1] ?? endpoint?.hostname ?? 'the endpoint';
    return `cannot reach ${host}${endpoint ? '' : " (Rekognition's own endpoint: no endpoint is configured)"}: pass --endpoint or set AWS_ENDPOINT_URL_REKOGNITION`;
  }
  return `${e.name}: ${e.message.split('\n')[0]}`;
}
