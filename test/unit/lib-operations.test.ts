/**
 * Day-one operations of the synthesised stack (issue 20, doc/architecture/0019-day-one-operations.md): facts of the
 * template that decide whether alarms reach anyone, whether transient errors fail jobs, whether an update breaks
 * jobs in flight, what a container can reach, and what a teardown leaves behind. One synth per configuration.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { configFromContext, resolveConfig } from '../../lib/config.js';
import type { PeoplePathingConfig } from '../../lib/config.js';
import { PeoplePathingStack, STATEFUL_TYPES } from '../../lib/people-pathing-stack.js';
import { LAMBDA_TRANSIENT_ERRORS } from '../../lib/workflow-steps.js';
import { isBlockingReason } from '../../core/jobs/reconcile.js';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** The feature flags `cdk synth` and `cdk deploy` apply (cdk.json's context): these tests see what is deployed. */
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

function synth(partial: Partial<PeoplePathingConfig>, context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new PeoplePathingStack(app, 'OpsTest', { config: resolveConfig({ inputBuckets: ['example-bucket'], ...partial }), env: ENV });
  return Template.fromStack(stack);
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Principal?: { Service?: string | string[] }; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type State = { Type: string; Resource?: string; Retry?: { ErrorEquals: string[]; MaxAttempts?: number; JitterStrategy?: string; IntervalSeconds?: number; MaxDelaySeconds?: number }[] };
function statesOf(template: Template): Record<string, State> {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const def = sm.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof def === 'string' ? def : def['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return (JSON.parse(text) as { States: Record<string, State> }).States;
}

function alarmTopicChecks(template: Template) {
  const topics = template.findResources('AWS::SNS::Topic');
  const alarmTopicId = Object.keys(topics).find((k) => k.startsWith('MonitoringAlarms'));
  expect(alarmTopicId).toBeDefined();
  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
    list(p.Properties.Topics as unknown[]).some((t) => JSON.stringify(t) === JSON.stringify({ Ref: alarmTopicId })),
  );
  // One policy for the topic, and it replaces SNS's default (which is what let CloudWatch publish before).
  expect(policies).toHaveLength(1);
  const statements = policies[0].Properties.PolicyDocument.Statement as Statement[];
  const cloudwatch = statements.find((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes('cloudwatch.amazonaws.com'));
  expect(cloudwatch).toBeDefined();
  expect(list(cloudwatch?.Action)).toContain('sns:Publish');
  // Only this account's alarms (no confused deputy): both source conditions.
  expect(cloudwatch?.Condition?.StringEquals?.['aws:SourceAccount']).toBe(ENV.account);
  expect(JSON.stringify(cloudwatch?.Condition?.ArnLike?.['aws:SourceArn'])).toMatch(/:cloudwatch:eu-west-1:111111111111:alarm:\*/);
  // The topic is KMS-encrypted: CloudWatch must be able to use the key as well.
  const keyId = (topics[alarmTopicId as string].Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const key = template.findResources('AWS::KMS::Key')[keyId];
  const keyStatements = key.Properties.KeyPolicy.Statement as Statement[];
  const keyForCloudwatch = keyStatements.find((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes('cloudwatch.amazonaws.com'));
  expect(list(keyForCloudwatch?.Action)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  // Every alarm publishes to that topic.
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  expect(alarms.length).toBeGreaterThan(3);
  for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId }]);
}

describe('GPU defaults', () => {
  const template = synth({});

  test('CloudWatch alarms may publish to the encrypted alarm topic (this account only), and use its key', () => {
    alarmTopicChecks(template);
  });

  test('every Lambda task retries throttling and Lambda service errors with backoff and jitter, before any other retrier', () => {
    const states = statesOf(template);
    // payloadResponseOnly: a Lambda task's Resource is the function's ARN (a token here); service integrations are arn:...:states:::...
    const lambdaTasks = Object.entries(states).filter(([, s]) => s.Type === 'Task' && !String(s.Resource).includes(':states:::'));
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(
      ['Complete', 'FailJob', 'HandleFailure', 'HandleSegmentsFailure', 'PlanSegments', 'Prepare', 'StitchSegments'].sort(),
    );
    for (const [, state] of lambdaTasks) {
      const [first] = state.Retry ?? [];
      expect(first.ErrorEquals.sort()).toEqual([...LAMBDA_TRANSIENT_ERRORS].sort());
      expect(first.ErrorEquals).toContain('Lambda.TooManyRequestsException');
      expect(first.JitterStrategy).toBe('FULL');
      expect(first.MaxAttempts).toBeGreaterThanOrEqual(5);
      expect(first.MaxDelaySeconds).toBeGreaterThan(0);
    }
  });

  test('Complete (idempotent) retries its own failures too, except missing results', () => {
    const retry = statesOf(template).Complete.Retry ?? [];
    const missing = retry.findIndex((r) => r.ErrorEquals.includes('ResultsMissing'));
    const any = retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
    expect(any).toBeGreaterThan(0);
    expect(retry[any].MaxAttempts).toBeGreaterThanOrEqual(3);
    expect(missing).toBeGreaterThan(-1);
    expect(missing).toBeLessThan(any);
    expect(retry[missing].MaxAttempts).toBe(0);
  });

  test('GPU instances: IMDSv2 only, hop limit 1 (a bridge-networked container cannot reach the instance role)', () => {
    const templates = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(templates).toHaveLength(1);
    expect(templates[0].Properties.LaunchTemplateData.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    // The compute environment uses that launch template.
    const [ce] = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(ce.Properties.ComputeResources.LaunchTemplate.LaunchTemplateId).toEqual({ Ref: Object.keys(template.findResources('AWS::EC2::LaunchTemplate'))[0] });
    // The tracker's credentials come from its job role (the ECS credentials endpoint), not from the instance.
    const [jobDef] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    expect(jobDef.Properties.ContainerProperties.JobRoleArn).toBeDefined();
  });

  test('a stack update keeps the replaced job definition revision ACTIVE (executions in flight still submit it)', () => {
    const jobDefs = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    expect(jobDefs).toHaveLength(1);
    expect(jobDefs[0].UpdateReplacePolicy).toBe('Retain');
    // The state machine names the revision it was deployed with (the Ref), so an execution keeps one image throughout.
    const id = Object.keys(template.findResources('AWS::Batch::JobDefinition'))[0];
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(sm.Properties.DefinitionString)).toContain(`{"Ref":"${id}"}`);
  });
});

describe('upgrades and teardown', () => {
  const gpu = synth({});
  const onDemand = synth({ spot: false });
  const computeEnvironments = (t: Template) => Object.keys(t.findResources('AWS::Batch::ComputeEnvironment'));

  test('switching -c spot later creates a new compute environment (never an in-place infrastructure update Batch refuses)', () => {
    const [spotId] = computeEnvironments(gpu);
    const [onDemandId] = computeEnvironments(onDemand);
    expect(spotId).not.toBe(onDemandId);
    // What made the update fail: the same environment asked to change its purchase model while not replaceable.
    for (const t of [gpu, onDemand]) {
      const [ce] = Object.values(t.findResources('AWS::Batch::ComputeEnvironment'));
      expect(ce.Properties.ReplaceComputeEnvironment).toBe(false);
    }
    expect(Object.values(onDemand.findResources('AWS::Batch::ComputeEnvironment'))[0].Properties.ComputeResources).toMatchObject({
      Type: 'EC2',
      AllocationStrategy: 'BEST_FIT_PROGRESSIVE',
    });
    // The queue follows the environment of each synth; everything outside the environment's construct (which also
    // owns its instance role and profile) keeps its logical id.
    for (const [t, id] of [[gpu, spotId], [onDemand, onDemandId]] as const) {
      const [queue] = Object.values(t.findResources('AWS::Batch::JobQueue'));
      expect(JSON.stringify(queue.Properties.ComputeEnvironmentOrder)).toContain(`"${id}"`);
    }
    const others = (t: Template) => Object.keys(t.toJSON().Resources).filter((k) => !k.startsWith('TrackerGpuCompute')).sort();
    expect(others(onDemand)).toEqual(others(gpu));
  });

  test('cdk destroy keeps buckets, tables, log groups and KMS keys by default', () => {
    const resources = Object.entries(gpu.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }>);
    const stateful = resources.filter(([, r]) => STATEFUL_TYPES.includes(r.Type));
    expect(new Set(stateful.map(([, r]) => r.Type))).toEqual(new Set(STATEFUL_TYPES));
    for (const [id, r] of stateful) expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
    expect(Object.keys(gpu.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
  });

  test('-c removalPolicy=destroy: everything goes with the stack, buckets emptied first, keys after 7 days', () => {
    const destroy = synth({ removalPolicy: 'destroy', compute: 'cpu', apiAuth: 'keys' });
    const resources = Object.entries(destroy.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }>);
    const stateful = resources.filter(([, r]) => STATEFUL_TYPES.includes(r.Type));
    expect(stateful.length).toBeGreaterThan(8);
    for (const [id, r] of stateful) expect([id, r.DeletionPolicy]).toEqual([id, 'Delete']);
    const buckets = resources.filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
    const emptied = Object.values(destroy.findResources('Custom::S3AutoDeleteObjects')).map((r) => JSON.stringify(r.Properties.BucketName));
    for (const b of buckets) expect(emptied.some((e) => e.includes(`"${b}"`))).toBe(true);
    for (const [, r] of resources.filter(([, r]) => r.Type === 'AWS::KMS::Key')) expect(r.Properties?.PendingWindowInDays).toBe(7);
    expect(() => resolveConfig({ inputBuckets: ['example-bucket'], removalPolicy: 'delete' as never })).toThrow(/removalPolicy must be "retain" or "destroy"/);
  });
});

describe('CDK feature flags', () => {
  test("cdk.json sets every flag aws-cdk-lib recommends, with the one exception ADR 0019 gives", () => {
    const recommended = createRequire(import.meta.url)('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;
    // Partition literals would write arn:aws:... into the template, which must deploy to aws-cn and aws-us-gov as is.
    const exceptions: Record<string, unknown> = { '@aws-cdk/core:enablePartitionLiterals': false };
    for (const [flag, value] of Object.entries(recommended)) expect([flag, CDK_JSON_CONTEXT[flag]]).toEqual([flag, flag in exceptions ? exceptions[flag] : value]);
  });
});

describe('CPU path', () => {
  const template = synth({ compute: 'cpu' });
  test('CloudWatch alarms may publish to the alarm topic on the Fargate path too', () => {
    alarmTopicChecks(template);
  });
});

describe('blocking reasons (core/jobs/reconcile.ts)', () => {
  test.each([
    ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [g5.xlarge]', true],
    ['MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.', true],
    ['MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.', true],
    ['MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.', true],
    [undefined, false],
    ['', false],
    ['Job is waiting for available compute resources', false],
  ])('%s blocks the queue: %s', (reason, blocking) => {
    expect(isBlockingReason(reason)).toBe(blocking);
  });
});

describe('the GPU limit (context maxGpuJobs / maxVcpus)', () => {
  const fromContext = (context: Record<string, unknown>) => configFromContext(new App({ context: { inputBuckets: 'example-bucket', ...context } }).node);
  test('defaults to 20 concurrent GPU jobs (80 vCPUs of xlarge instances)', () => {
    expect(fromContext({}).maxVcpus).toBe(80);
  });
  test('-c maxGpuJobs=N gives N jobs of 4 vCPUs; -c maxVcpus still works; not both', () => {
    expect(fromContext({ maxGpuJobs: '30' }).maxVcpus).toBe(120);
    expect(fromContext({ maxVcpus: '16' }).maxVcpus).toBe(16);
    expect(() => fromContext({ maxGpuJobs: '5', maxVcpus: '16' })).toThrow(/maxGpuJobs or maxVcpus, not both/);
    expect(() => fromContext({ maxGpuJobs: 'many' })).toThrow(/maxGpuJobs must be a positive integer/);
  });
});

describe('keys mode: a WAF rate limit per source IP', () => {
  const keys = synth({ apiAuth: 'keys' });

  test('a REGIONAL web ACL with a per-IP rate-based rule, associated with the API stage', () => {
    const acls = Object.values(keys.findResources('AWS::WAFv2::WebACL'));
    expect(acls).toHaveLength(1);
    const acl = acls[0].Properties;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Rules).toHaveLength(1);
    expect(acl.Rules[0]).toMatchObject({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 1500, EvaluationWindowSec: 300 } },
    });
    const aclId = Object.keys(keys.findResources('AWS::WAFv2::WebACL'))[0];
    const stageId = Object.keys(keys.findResources('AWS::ApiGateway::Stage'))[0];
    const [association] = Object.values(keys.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    // The stage's ARN: arn:<partition>:apigateway:<region>::/restapis/<api id>/stages/<stage>.
    const arn = JSON.stringify(association.Properties.ResourceArn);
    expect(arn).toContain(':apigateway:');
    expect(arn).toContain('/stages/');
    expect(arn).toContain(`"Ref":"${stageId}"`);
  });

  test('a blocked caller gets ThrottlingException with HTTP 429 (the SDKs back off and retry)', () => {
    const [response] = Object.values(keys.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: 'WAF_FILTERED' } }));
    expect(response.Properties.StatusCode).toBe('429');
    expect(response.Properties.ResponseTemplates['application/x-amz-json-1.1']).toContain('"__type":"ThrottlingException"');
  });
});

describe('WAF settings', () => {
  test('-c waf=false refuses it in keys mode; the IAM default has none unless -c waf=true; the limit is a setting', () => {
    const count = (t: Template) => Object.keys(t.findResources('AWS::WAFv2::WebACL')).length;
    expect(count(synth({ apiAuth: 'keys', waf: false, compute: 'cpu' }))).toBe(0);
    expect(count(synth({ compute: 'cpu' }))).toBe(0);
    const withWaf = synth({ waf: true, wafRateLimit: 300, compute: 'cpu' });
    expect(Object.values(withWaf.findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules[0].Statement.RateBasedStatement.Limit).toBe(300);
    expect(() => resolveConfig({ inputBuckets: ['example-bucket'], wafRateLimit: 5 })).toThrow(/at least 10/);
  });
});
