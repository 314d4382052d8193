/**
 * Deployment settings of the people-pathing stack, read from CDK context (`-c key=value`) or passed as props.
 * Every value has a safe default except `inputBuckets`: the service reads videos only from the buckets
 * named here, so a deployment must say which ones.
 */
import type { Node } from 'constructs';

export type ComputeKind = 'gpu' | 'cpu';
/** 'iam': API Gateway AWS_IAM, callers sign for execute-api (doc 0001); 'keys': the API Lambda verifies SigV4 for
 * rekognition against keys the service issues (doc 0011), so clients change only endpoint and credentials. */
export type ApiAuthKind = 'iam' | 'keys';

export interface PeoplePathingConfig {
  /** S3 buckets the service may read videos from (required; it reads nothing else). */
  readonly inputBuckets: string[];
  /** 'gpu' = AWS Batch on GPU EC2 instances (default); 'cpu' = ECS RunTask on Fargate (no GPU quota needed). */
  readonly compute: ComputeKind;
  /** EC2 instance types of the GPU compute environment, in order of preference. */
  readonly gpuInstanceTypes: string[];
  /** Spot (default, SPOT_PRICE_CAPACITY_OPTIMIZED) or On-Demand GPU instances. */
  readonly spot: boolean;
  /**
   * With Spot: a second, On-Demand GPU compute environment after the Spot one in the job queue (default true;
   * `-c onDemandFallback=false` keeps the queue Spot only). See doc/architecture/0020-roles-and-segment-cost.md.
   */
  readonly onDemandFallback: boolean;
  /**
   * Upper bound of the GPU compute environment, in vCPUs (g5.xlarge = 4 vCPUs = one job): how many tracker jobs run at
   * once. Default 80, 20 jobs (Rekognition's per-account job limit); set it as `-c maxGpuJobs=N` (N × 4 vCPUs) or
   * `-c maxVcpus=V`. Jobs beyond it wait in the Batch queue, in order, and are never failed for waiting (doc 0019);
   * the EC2 quota for G and VT instances must allow it.
   */
  readonly maxVcpus: number;
  /** Per-account concurrent jobs (LimitExceededException above it); Rekognition's default was 20. */
  readonly concurrentJobLimit: number;
  /**
   * Topics the service may publish completion messages to with its own role, when the caller's RoleArn
   * cannot be assumed (ARN patterns; `*` wildcards allowed). Default mirrors AmazonRekognitionServiceRole:
   * topics whose name starts with AmazonRekognition. Patterns written `arn:aws:...` are taken in the partition the
   * stack is deployed in (aws-cn, aws-us-gov, ...).
   */
  readonly notificationTopicArns: string[];
  /**
   * Other AWS accounts whose principals may call the API (the REST API's resource policy names them with the
   * stack's own account). A caller of such an account also needs an identity policy allowing execute-api:Invoke,
   * sees only its own account's jobs, and can only have videos analysed from buckets its own account owns.
   * Default: none (only the stack's own account).
   */
  readonly allowedAccounts: string[];
  /** API Gateway stage throttling (requests per second and burst), for all methods. */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Optional e-mail address subscribed to the alarms topic. */
  readonly alarmEmail?: string;
  /** How callers authenticate (default 'iam'); `-c apiAuth=keys` for the zero-code switch. */
  readonly apiAuth: ApiAuthKind;
  /**
   * A WAF web ACL with a per-source-IP rate-based rule in front of the API (lib/waf.ts). Default: on with
   * apiAuth=keys (`-c waf=false` refuses it), off with iam (`-c waf=true` adds it). About 6 USD a month plus
   * 0.60 USD per million requests (doc/deploy.md).
   */
  readonly waf?: boolean;
  /** Requests per 5 minutes one source IP may send before the WAF blocks it (default 1500). */
  readonly wafRateLimit: number;
  /**
   * What `cdk destroy` does with the stateful resources — buckets, tables, log groups, KMS keys. 'retain' (default)
   * keeps them (doc/operations.md lists them and how to remove them); 'destroy' (`-c removalPolicy=destroy`, for
   * throwaway stacks) deletes them, emptying the buckets first and scheduling the keys' deletion in 7 days.
   */
  readonly removalPolicy: 'retain' | 'destroy';
  /** Optional models mirror the image build fetches from (`-c modelsMirror=s3://bucket/prefix` or `https://...`). */
  readonly modelsMirror?: string;
  /**
   * GPU path: videos shorter than this many seconds run as one job, never in segments (`-c segmentMinSeconds=N`).
   * Default: derived from the cold start, GPU rate and stitch figures for the stack's parallelism (core/segment-protocol.ts
   * minSplitSeconds; 5040 s = 84 min for 4 segments), doc/architecture/0020.
   */
  readonly segmentMinSeconds?: number;
}

/** vCPUs of one tracker job: one xlarge GPU instance (g4dn/g5/g6.xlarge). */
export const VCPUS_PER_GPU_JOB = 4;

export const DEFAULT_GPU_INSTANCE_TYPES = ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'];

export const DEFAULTS: Omit<PeoplePathingConfig, 'inputBuckets'> = {
  compute: 'gpu',
  gpuInstanceTypes: DEFAULT_GPU_INSTANCE_TYPES,
  spot: true,
  onDemandFallback: true,
  maxVcpus: 20 * VCPUS_PER_GPU_JOB,
  concurrentJobLimit: 20,
  notificationTopicArns: ['arn:aws:sns:*:*:AmazonRekognition*'],
  allowedAccounts: [],
  throttleRateLimit: 20,
  throttleBurstLimit: 40,
  apiAuth: 'iam',
  wafRateLimit: 1500,
  removalPolicy: 'retain',
};

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A context value may arrive as a string (`-c k=a,b` or `-c k='["a","b"]'`) or as JSON from cdk.json. */
function list(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter(Boolean);
  const text = String(value).trim();
  if (text.startsWith('[')) return list(JSON.parse(text) as unknown);
  if (text === '' || text === 'none') return [];
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (['true', '1', 'yes', 'spot'].includes(text)) return true;
  if (['false', '0', 'no', 'on-demand', 'ondemand'].includes(text)) return false;
  throw new Error(`expected a boolean, got "${String(value)}"`);
}

function positiveInt(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`context ${name} must be a positive integer, got "${String(value)}"`);
  return n;
}

/** `-c maxGpuJobs=N` (jobs at once) or `-c maxVcpus=V`, not both. */
function maxVcpusFrom(maxGpuJobs: unknown, maxVcpus: unknown): number | undefined {
  const jobs = positiveInt('maxGpuJobs', maxGpuJobs);
  const vcpus = positiveInt('maxVcpus', maxVcpus);
  if (jobs !== undefined && vcpus !== undefined) throw new Error('set maxGpuJobs or maxVcpus, not both (maxGpuJobs=N means N x 4 vCPUs)');
  return jobs !== undefined ? jobs * VCPUS_PER_GPU_JOB : vcpus;
}

/** Whether the API gets the WAF rate limit: as configured, else on in keys mode only. */
export function wafEnabled(config: PeoplePathingConfig): boolean {
  return config.waf ?? config.apiAuth === 'keys';
}

/** Fills defaults and validates; throws with a message naming the bad setting. */
export function resolveConfig(partial: Partial<PeoplePathingConfig>): PeoplePathingConfig {
  const inputBuckets = partial.inputBuckets ?? [];
  if (inputBuckets.length === 0) {
    throw new Error('inputBuckets is required: the S3 buckets the service may read videos from (-c inputBuckets=bucket-a,bucket-b)');
  }
  for (const b of inputBuckets) {
    if (!BUCKET_NAME.test(b)) throw new Error(`inputBuckets: "${b}" is not an S3 bucket name`);
  }
  const gpuInstanceTypes = partial.gpuInstanceTypes ?? DEFAULTS.gpuInstanceTypes;
  // No GPU instance type configured means the CPU path.
  const compute: ComputeKind = partial.compute ?? (gpuInstanceTypes.length === 0 ? 'cpu' : 'gpu');
  if (compute !== 'gpu' && compute !== 'cpu') throw new Error(`compute must be "gpu" or "cpu", got "${String(compute)}"`);
  if (compute === 'gpu' && gpuInstanceTypes.length === 0) throw new Error('compute=gpu needs at least one gpuInstanceTypes entry');
  const config: PeoplePathingConfig = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
    inputBuckets,
    gpuInstanceTypes,
    compute,
  };
  if (config.apiAuth !== 'iam' && config.apiAuth !== 'keys') throw new Error(`apiAuth must be "iam" or "keys", got "${String(config.apiAuth)}"`);
  if (config.removalPolicy !== 'retain' && config.removalPolicy !== 'destroy') {
    throw new Error(`removalPolicy must be "retain" or "destroy", got "${String(config.removalPolicy)}"`);
  }
  if (config.wafRateLimit < 10) throw new Error('wafRateLimit must be at least 10 requests per 5 minutes (the WAF minimum)');
  if (config.maxVcpus < 4) throw new Error('maxVcpus must be at least 4 (one xlarge GPU instance)');
  for (const a of config.allowedAccounts) {
    if (!/^\d{12}$/.test(a)) throw new Error(`allowedAccounts: "${a}" is not a 12-digit AWS account id`);
  }
  return config;
}

/** Reads the settings from CDK context: inputBuckets, compute, gpuInstanceTypes, spot, maxVcpus, ... */
export function configFromContext(node: Node): PeoplePathingConfig {
  const ctx = (k: string): unknown => node.tryGetContext(k);
  return resolveConfig({
    inputBuckets: list(ctx('inputBuckets')),
    compute: ctx('compute') as ComputeKind | undefined,
    gpuInstanceTypes: list(ctx('gpuInstanceTypes')),
    spot: bool(ctx('spot')),
    onDemandFallback: bool(ctx('onDemandFallback')),
    maxVcpus: maxVcpusFrom(ctx('maxGpuJobs'), ctx('maxVcpus')),
    concurrentJobLimit: positiveInt('concurrentJobLimit', ctx('concurrentJobLimit')),
    notificationTopicArns: list(ctx('notificationTopicArns')),
    allowedAccounts: list(ctx('allowedAccounts')),
    throttleRateLimit: positiveInt('throttleRateLimit', ctx('throttleRateLimit')),
    throttleBurstLimit: positiveInt('throttleBurstLimit', ctx('throttleBurstLimit')),
    alarmEmail: ctx('alarmEmail') as string | undefined,
    apiAuth: ctx('apiAuth') as ApiAuthKind | undefined,
    waf: bool(ctx('waf')),
    removalPolicy: ctx('removalPolicy') as PeoplePathingConfig['removalPolicy'] | undefined,
    modelsMirror: ctx('modelsMirror') as string | undefined,
    wafRateLimit: positiveInt('wafRateLimit', ctx('wafRateLimit')),
    segmentMinSeconds: positiveInt('segmentMinSeconds', ctx('segmentMinSeconds')),
  });
}
