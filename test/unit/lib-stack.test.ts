/**
 * The synthesised CloudFormation of the people-pathing stack (aws-cdk-lib/assertions), one synth per
 * configuration, shared by the tests. Bundling is skipped (context aws:cdk:bundling-stacks = []): these
 * tests look at resources and permissions, not at Lambda code; test/unit/lib-synth.test.ts runs the real
 * `cdk synth` with bundling.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveConfig } from '../../lib/config.js';
import type { PeoplePathingConfig } from '../../lib/config.js';
import { configFromContext } from '../../lib/config.js';
import { minSplitSeconds } from '../../core/segment-protocol.js';
import { PeoplePathingStack } from '../../lib/people-pathing-stack.js';
import { TIME_FACTOR, TRANSFER_MARGIN_MS, deadlineMsFor } from '../../core/tracker-protocol.js';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function synth(partial: Partial<PeoplePathingConfig>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PeoplePathingStack(app, 'PeoplePathingTest', { config: resolveConfig(partial), env: ENV });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Identity-policy statements attached to the role whose logical id starts with `rolePrefix`. */
function statementsOfRole(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles ?? []) as { Ref: string }[];
    if (roles.some((r) => r.Ref.startsWith(rolePrefix))) out.push(...(policy.Properties.PolicyDocument.Statement as Statement[]));
  }
  return out;
}

function roleIdOf(template: Template, functionPrefix: string): string {
  const fns = template.findResources('AWS::Lambda::Function');
  const id = Object.keys(fns).find((k) => k.startsWith(functionPrefix));
  if (!id) throw new Error(`no function ${functionPrefix}`);
  return (fns[id].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}


/** The state machine's definition with every CloudFormation token replaced by a placeholder string. */
function definitionOf(template: Template): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const def = sm.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof def === 'string' ? def : def['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

function publisherRoleId(template: Template): string {
  const id = Object.keys(template.findResources('AWS::IAM::Role')).find((k) => k.startsWith('PublisherRole'));
  if (!id) throw new Error('no PublisherRole');
  return id;
}

/** Every (policy id, resource) pair that grants sts:AssumeRole, and the roles the policy is attached to. */
function assumeRoleGrants(template: Template): { roles: string[]; resources: unknown[] }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((st) => actionsOf(st).includes('sts:AssumeRole'))
      .map((st) => ({ roles: ((policy.Properties.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref), resources: resourcesOf(st) })),
  );
}

describe('On-Demand fallback of the Spot GPU queue (doc 0020)', () => {
  const environments = (template: Template) => template.findResources('AWS::Batch::ComputeEnvironment');
  const queueOrder = (template: Template) => {
    const [queue] = Object.values(template.findResources('AWS::Batch::JobQueue'));
    const envs = environments(template);
    return (queue.Properties.ComputeEnvironmentOrder as { ComputeEnvironment: { 'Fn::GetAtt': [string, string] }; Order: number }[])
      .sort((a, b) => a.Order - b.Order)
      .map((o) => envs[o.ComputeEnvironment['Fn::GetAtt'][0]].Properties.ComputeResources.Type);
  };

  test('by default the queue tries Spot first, then an On-Demand environment of the same GPU instances, both from 0 vCPUs', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'] });
    expect(queueOrder(template)).toEqual(['SPOT', 'EC2']);
    const resources = Object.values(environments(template)).map((e) => e.Properties.ComputeResources);
    for (const r of resources) {
      expect(r.MinvCpus).toBe(0);
      expect(r.InstanceTypes).toEqual(['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge']);
    }
  });

  test('-c segmentMinSeconds=N sets the split threshold the planning Lambda applies; the default is derived per parallelism', () => {
    const envOf = (t: Template) => {
      const fns = t.findResources('AWS::Lambda::Function');
      const id = Object.keys(fns).find((k) => k.startsWith('PlanSegmentsFn')) as string;
      return (fns[id].Properties.Environment.Variables as Record<string, string>).TRACKER_SEGMENT_MIN_SECONDS;
    };
    const fromContext = configFromContext(new App({ context: { inputBuckets: 'example-bucket', segmentMinSeconds: '600' } }).node);
    expect(fromContext.segmentMinSeconds).toBe(600);
    expect(envOf(synth(fromContext).template)).toBe('600');
    // Two segments at once save less wall time than four: a longer video is needed to pay for the extra start.
    expect(envOf(synth({ inputBuckets: ['example-bucket'], maxGpuJobs: undefined, maxVcpus: 8 } as Partial<PeoplePathingConfig>).template)).toBe(String(minSplitSeconds(2)));
    expect(minSplitSeconds(2)).toBeGreaterThan(minSplitSeconds(4));
    expect(() => configFromContext(new App({ context: { inputBuckets: 'example-bucket', segmentMinSeconds: '-5' } }).node)).toThrow(/segmentMinSeconds/);
  });

  test('-c onDemandFallback=false keeps the queue Spot only; On-Demand alone needs no fallback', () => {
    expect(queueOrder(synth({ inputBuckets: ['example-bucket'], onDemandFallback: false }).template)).toEqual(['SPOT']);
    expect(queueOrder(synth({ inputBuckets: ['example-bucket'], spot: false }).template)).toEqual(['EC2']);
  });
});

describe('the notification publisher role (confused deputy, doc 0020)', () => {
  const rolesArn = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/*`]] });
  const anyAccountRoles = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/*']] };

  test('one stable role, trusted by exactly the four Lambda roles that publish or check a channel', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'] });
    const id = publisherRoleId(template);
    const role = template.findResources('AWS::IAM::Role')[id];
    expect(JSON.stringify(role.Properties.RoleName)).toContain('-publisher-');
    const trust = role.Properties.AssumeRolePolicyDocument.Statement as Statement[];
    expect(trust).toHaveLength(1);
    const principals = ([] as unknown[]).concat((trust[0].Principal as { AWS: unknown }).AWS);
    const expected = ['ApiFn', 'CompleteFn', 'HandleFailureFn', 'ReconcileFn'].map((f) => ({ 'Fn::GetAtt': [roleIdOf(template, f), 'Arn'] }));
    expect(principals).toEqual(expect.arrayContaining(expected));
    expect(principals).toHaveLength(4);
    expect(trust[0].Condition).toBeUndefined();
    // Callers paste its ARN into their trust policies.
    expect(JSON.stringify(template.findOutputs('NotificationPublisherRole'))).toContain(id);
  });

  test('IAM mode: only the publisher role may assume callers\' roles, and only roles of this account and allowedAccounts', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'], allowedAccounts: ['222222222222'] });
    const id = publisherRoleId(template);
    const grants = assumeRoleGrants(template);
    // Every other grant is of the publisher role itself.
    for (const g of grants.filter((x) => !x.roles.includes(id))) expect(g.resources).toEqual([{ 'Fn::GetAtt': [id, 'Arn'] }]);
    const own = grants.filter((x) => x.roles.includes(id));
    expect(own).toHaveLength(1);
    expect(own[0].roles).toEqual([id]);
    // ENV's account is concrete in these tests (an env-agnostic stack renders AWS::AccountId there).
    expect(own[0].resources).toEqual([rolesArn('111111111111'), rolesArn('222222222222')]);
    expect(JSON.stringify(grants)).not.toContain(':iam::*:role/*');
    // The publisher role can do nothing else.
    expect([...new Set(statementsOfRole(template, id).flatMap(actionsOf))]).toEqual(['sts:AssumeRole']);
  });

  test('keys mode: keys may be issued for any account, so any account\'s roles — still only by the publisher role', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'], apiAuth: 'keys' });
    const id = publisherRoleId(template);
    const grants = assumeRoleGrants(template);
    for (const g of grants.filter((x) => !x.roles.includes(id))) expect(g.resources).toEqual([{ 'Fn::GetAtt': [id, 'Arn'] }]);
    expect(grants.filter((x) => x.roles.includes(id)).map((g) => g.resources)).toEqual([[anyAccountRoles]]);
  });

  test('the Lambdas that check or publish a channel know the publisher role and the allowed accounts', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'], allowedAccounts: ['222222222222'] });
    for (const f of ['ApiFn', 'CompleteFn', 'HandleFailureFn', 'ReconcileFn']) {
      const fns = template.findResources('AWS::Lambda::Function');
      const fn = Object.entries(fns).find(([k]) => k.startsWith(f))![1];
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.PUBLISHER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [publisherRoleId(template), 'Arn'] });
      expect(env.ALLOWED_ACCOUNTS).toBe('222222222222');
    }
  });
});

describe('people-pathing stack (GPU, defaults)', () => {
  const { stack, template } = synth({ inputBuckets: ['example-bucket', 'second-videos'] });

  test('every API method requires AWS_IAM, and POST is served on / and /{proxy+}', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThanOrEqual(2);
    for (const m of methods) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    expect(methods.filter((m) => m.Properties.HttpMethod === 'POST')).toHaveLength(2);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
    });
  });

  test.each([
    ['ACCESS_DENIED', 'AccessDeniedException'],
    ['THROTTLED', 'ThrottlingException'],
    ['INVALID_SIGNATURE', 'InvalidSignatureException'],
    ['MISSING_AUTHENTICATION_TOKEN', 'MissingAuthenticationTokenException'],
    ['DEFAULT_5XX', 'InternalServerError'],
  ])('gateway response %s answers the AWS JSON error envelope with __type %s', (type, name) => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }));
    expect(responses).toHaveLength(1);
    const props = responses[0].Properties;
    expect(props.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/x-amz-json-1.1'");
    expect(props.ResponseParameters['gatewayresponse.header.x-amzn-ErrorType']).toBe(`'${name}'`);
    for (const contentType of ['application/json', 'application/x-amz-json-1.1']) {
      const body = props.ResponseTemplates[contentType] as string;
      expect(body).toContain(`"__type":"${name}"`);
      // What botocore parses: __type and Message, once API Gateway substitutes its message string.
      const rendered = JSON.parse(body.replace('$context.error.messageString', '"Signature expired: 20250101T000000Z is now earlier than ..."').replace('$context.requestId', 'r-1'));
      expect(rendered).toMatchObject({ __type: name, Code: name, Message: expect.stringContaining('Signature expired') });
    }
  });

  test('the stage is throttled, traced, and logs no request bodies', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40, DataTraceEnabled: false, LoggingLevel: 'ERROR' }),
      ]),
    });
    // application/x-amz-json-1.1 must not be a binary media type (the body would reach the Lambda base64-encoded).
    for (const api of Object.values(template.findResources('AWS::ApiGateway::RestApi'))) {
      expect(api.Properties.BinaryMediaTypes ?? []).toEqual([]);
    }
  });

  test('the jobs table: string keys pk/sk, TTL on ttl, point-in-time recovery, KMS encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('the results bucket: encrypted, public access blocked, TLS only, objects expire after 7 days', () => {
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-results' })]) } },
    });
    const [id, bucket] = Object.entries(buckets)[0];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 7, Status: 'Enabled' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('Batch: managed EC2 GPU compute environment, min 0 vCPUs, Spot, ECS GPU AMI, one GPU per job', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: Match.objectLike({
        Type: 'SPOT',
        AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
        InstanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'],
        MinvCpus: 0,
        // 20 GPU jobs at once (Rekognition's per-account job limit), 4 vCPUs each; more wait in the queue.
        MaxvCpus: 80,
        Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
      }),
    });
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      ContainerProperties: Match.objectLike({
        ResourceRequirements: Match.arrayWith([{ Type: 'GPU', Value: '1' }]),
      }),
      RetryStrategy: {
        Attempts: 3,
        EvaluateOnExit: [
          { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
          { Action: 'EXIT', OnReason: '*' },
        ],
      },
      Timeout: { AttemptDurationSeconds: Match.anyValue() },
    });
  });

  test('a 6 h video gets its whole container deadline before Batch stops the attempt, and one submission fits the execution', () => {
    const [jobDef] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const ceilingMs = jobDef.Properties.Timeout.AttemptDurationSeconds * 1000;
    const factor = Number((jobDef.Properties.ContainerProperties.Environment as { Name: string; Value: string }[]).find((e) => e.Name === 'TRACKER_TIME_FACTOR')?.Value);
    expect(factor).toBe(TIME_FACTOR.gpu);
    const sixHours = 6 * 3600 * 1000;
    // The container's deadline plus copying the video in and the results out stays under the platform's stop.
    expect(deadlineMsFor(sixHours, factor) + TRANSFER_MARGIN_MS).toBeLessThanOrEqual(ceilingMs);
    // A longer or unknown duration cannot push the deadline past it either.
    expect(deadlineMsFor(7 * 3600 * 1000, factor)).toBe(deadlineMsFor(sixHours, factor));
    expect(deadlineMsFor(undefined, factor)).toBe(deadlineMsFor(sixHours, factor));
    // Every Batch attempt at its ceiling, after the longest RUNNABLE wait the queue allows, ends before the execution does.
    const [queue] = Object.values(template.findResources('AWS::Batch::JobQueue'));
    const waits = (queue.Properties.JobStateTimeLimitActions as { MaxTimeSeconds: number; Reason: string }[]);
    expect(waits.map((w) => w.Reason).sort()).toEqual([
      'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
      'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
      'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
    ]);
    const longestWaitMs = Math.max(...waits.map((w) => w.MaxTimeSeconds)) * 1000;
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const { TimeoutSeconds } = definitionOf(template) as unknown as { TimeoutSeconds: number };
    expect(sm).toBeDefined();
    expect(longestWaitMs + jobDef.Properties.RetryStrategy.Attempts * ceilingMs).toBeLessThan(TimeoutSeconds * 1000);
  });

  test('the tracker job definition names its region (ECS on EC2 does not reliably inject AWS_REGION)', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({
        Environment: Match.arrayWith([{ Name: 'AWS_REGION', Value: ENV.region }]),
      }),
    });
  });

  test('the workflow submits the tracker with submitJob.sync and retries Batch API errors', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const text = JSON.stringify(sm.Properties.DefinitionString);
    expect(text).toContain(':states:::batch:submitJob.sync');
    expect(text).toContain('Batch.TooManyRequestsException');
  });

  test('every role that reads results/ may list the results bucket, under results/ only (a missing key is 404, not 403)', () => {
    const resultsBucketId = Object.keys(
      template.findResources('AWS::S3::Bucket', {
        Properties: { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-results' })]) } },
      }),
    )[0];
    const readers = new Map<string, Statement[]>();
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const statements = policy.Properties.PolicyDocument.Statement as Statement[];
      for (const role of (policy.Properties.Roles ?? []) as { Ref: string }[]) {
        readers.set(role.Ref, [...(readers.get(role.Ref) ?? []), ...statements]);
      }
    }
    const readingResults = [...readers].filter(([, st]) =>
      st.some((s) => actionsOf(s).includes('s3:GetObject') && JSON.stringify(s.Resource).includes(resultsBucketId) && JSON.stringify(s.Resource).includes('/results/*')),
    );
    // Complete (manifest), HandleFailure (failure.json), the API (GetPersonTracking pages); with segments, Stitch (the
    // segments' outputs) and the tracker's array children (the plan). PlanSegments writes the plan and reads no results.
    expect(readingResults.map(([role]) => role.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ApiFnRole',
      'CompleteFnRole',
      'HandleFailureFnRole',
      'StitchFnRole',
      'TrackerRole',
    ]);
    for (const [role, statements] of readingResults) {
      const list = statements.filter((s) => actionsOf(s).includes('s3:ListBucket'));
      expect({ role, list }).toEqual({
        role,
        list: [
          {
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: { 'Fn::GetAtt': [resultsBucketId, 'Arn'] },
            Condition: { StringLike: { 's3:prefix': ['results/*'] } },
          },
        ],
      });
    }
  });

  test('every Task state has a catch-all that ends in the job FAILED and notified', () => {
    const { States } = definitionOf(template);
    const tasks = Object.entries(States).filter(([, st]) => st.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Complete', 'FailJob', 'HandleFailure', 'HandleSegmentsFailure', 'PlanSegments', 'Prepare', 'RunSegments', 'RunTracker', 'StitchSegments']);
    for (const [name, st] of tasks) {
      const catchAll = ((st.Catch ?? []) as { ErrorEquals: string[]; Next: string }[]).find((c) => c.ErrorEquals.includes('States.ALL'));
      expect({ name, catches: catchAll !== undefined }).toEqual({ name, catches: true });
      // Planning is an optimisation: when it fails past its retries the video runs as one job (RunTracker's own
      // catch then ends any failure in FAILED, notified).
      if (name === 'PlanSegments') {
        expect(catchAll?.Next).toBe('RunTracker');
        continue;
      }
      // Caught errors go to HandleFailure (the tracker, Complete), HandleSegmentsFailure (the array job) or to FailJob
      // (everything else) ...
      expect(['HandleFailure', 'HandleSegmentsFailure', 'FailJob', 'WorkflowFailed']).toContain(catchAll?.Next);
      if (name === 'FailJob') expect(catchAll?.Next).toBe('WorkflowFailed');
    }
    // ... both invoke the HandleFailure Lambda (it fails the job and notifies), FailJob told the failure is final.
    expect(States.FailJob.Resource).toEqual(States.HandleFailure.Resource);
    expect(States.HandleSegmentsFailure.Resource).toEqual(States.HandleFailure.Resource);
    expect(JSON.stringify(States.FailJob.Parameters)).toContain('"final":true');
    expect(States.FailJob.Next).toBe('JobFailed');
    expect(States.WorkflowFailed.Type).toBe('Fail');
  });

  test('the state machine may stop the Batch job of a stopped or timed-out execution', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] } },
    });
    const [roleId] = Object.keys(roles);
    const statements = statementsOfRole(template, roleId);
    const terminate = statements.find((s) => actionsOf(s).includes('batch:TerminateJob'));
    expect(resourcesOf(terminate as Statement)).toHaveLength(1);
    expect(JSON.stringify(terminate?.Resource)).toContain(':batch:eu-west-1:111111111111:job/*"');
    expect(statements.some((s) => actionsOf(s).includes('batch:DescribeJobs'))).toBe(true);
  });

  test('no IAM statement uses Resource "*" unless the action has no narrower resource', () => {
    // Actions AWS does not scope to resources (the service authorisation reference lists no resource type).
    const unscopable = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'ecr:GetAuthorizationToken',
      'batch:DescribeJobs',
      'batch:DescribeComputeEnvironments',
      'batch:ListJobs',
      'ec2:DescribeSubnets',
    ]);
    const offenders: string[] = [];
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        if (resourcesOf(s).includes('*')) {
          for (const a of actionsOf(s)) if (!unscopable.has(a)) offenders.push(`${id}: ${a}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('the API Lambda has exactly the permissions its code uses', () => {
    const statements = statementsOfRole(template, roleIdOf(template, 'ApiFn'));
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'dynamodb:DeleteItem', // job store: give back a token when admission fails
        'dynamodb:GetItem', // job store: getJob, token lookups
        'dynamodb:PutItem', // job store: token and job items
        'dynamodb:UpdateItem', // job store: concurrency counter
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject', // HeadObject of the input video; ranged reads of results
        's3:GetObjectVersion', // HeadObject of a versioned input video
        's3:ListBucket', // results/ only: a missing results object reads as 404, not 403
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', // pagination HMAC key
        'sns:Publish', // a job whose launch failed is FAILED and notified (adapters/sns-notifier.ts)
        'states:StartExecution', // launch the workflow
        'sts:AssumeRole', // ... as the caller's NotificationChannel.RoleArn
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // It can read only the configured input buckets' objects and the results prefix.
    const s3Resources = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:'))).flatMap(resourcesOf);
    const rendered = JSON.stringify(s3Resources);
    expect(rendered).toContain(':s3:::example-bucket/*');
    expect(rendered).toContain(':s3:::second-videos/*');
    expect(rendered).toContain('/results/*');
    expect(s3Resources).toHaveLength(4);
    expect(actions.has('dynamodb:Scan')).toBe(false);
  });

  test('the tracker role reads only input videos, writes only results, updates only job records', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] } },
    });
    const trackerRoleId = Object.keys(roles).find((k) => k.startsWith('TrackerRole'));
    expect(trackerRoleId).toBeDefined();
    const statements = statementsOfRole(template, trackerRoleId as string);
    expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual(
      // batch:TerminateJob: a segment child that fails on the video stops its array job's other children;
      // s3:ListBucket (under results/ only): it reads the plan, and a missing key must be 404, not 403.
      ['batch:TerminateJob', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObject'].sort(),
    );
    const put = statements.find((s) => actionsOf(s).includes('s3:PutObject'));
    expect(JSON.stringify(put?.Resource)).toContain('/results/*');
    // TerminateJob has only the `job` resource type: scoped by tag to this stack's segments array jobs.
    const terminate = statements.filter((s) => actionsOf(s).includes('batch:TerminateJob'));
    expect(terminate).toHaveLength(1);
    expect(JSON.stringify(terminate[0].Resource)).toMatch(/:batch:.*:job\/\*"/);
    expect(terminate[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/people-pathing-stack': 'PeoplePathingTest' } });
    // ... which the workflow tags when it submits them, and may tag with that tag only.
    const def = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(def).toContain('\\"Tags\\":{\\"people-pathing-stack\\":\\"PeoplePathingTest\\"}');
    const [smRoleId] = Object.keys(template.findResources('AWS::IAM::Role')).filter((k) => k.startsWith('WorkflowStateMachineRole'));
    const tag = statementsOfRole(template, smRoleId).filter((s) => actionsOf(s).includes('batch:TagResource'));
    expect(tag.map((s) => s.Condition)).toEqual([{ StringEquals: { 'aws:RequestTag/people-pathing-stack': 'PeoplePathingTest' } }]);
  });

  test('long videos: before any tracker the workflow plans in a Lambda, runs a Batch array job of segments, stitches in a Lambda', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const text = JSON.stringify(sm.Properties.DefinitionString);
    for (const state of ['PlanSegments', 'IsSegmented', 'RunSegments', 'StitchSegments']) expect(text).toContain(state);
    expect(text).not.toContain('ReadSegmentPlan');
    expect(text).toContain('\\"ArrayProperties\\":{\\"Size.$\\":\\"$.plan.size\\"}');
    expect(text).toContain('TRACKER_MODE');
    const { States } = definitionOf(template);
    // ShouldRun → PlanSegments → IsSegmented: RunSegments, or the unsplit RunTracker, which goes straight to Complete.
    expect((States.ShouldRun.Choices as { Next: string }[])[0].Next).toBe('PlanSegments');
    expect(States.PlanSegments.Next).toBe('IsSegmented');
    expect(States.IsSegmented.Default).toBe('RunTracker');
    expect((States.IsSegmented.Choices as { Next: string }[])[0].Next).toBe('RunSegments');
    expect(States.RunTracker.Next).toBe('Complete');
    // The tracker containers no longer plan: no split settings in the job definition.
    const [jobDef] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const jobEnv = (jobDef.Properties.ContainerProperties.Environment as { Name: string }[]).map((e) => e.Name);
    expect(jobEnv.filter((n) => n.startsWith('TRACKER_SEGMENT'))).toEqual([]);
    const fns = template.findResources('AWS::Lambda::Function');
    const planId = Object.keys(fns).find((k) => k.startsWith('PlanSegmentsFn')) as string;
    const env = fns[planId].Properties.Environment.Variables as Record<string, string>;
    // At most 4 segments per video, however many GPU jobs the compute environment runs at once.
    expect(env.TRACKER_SEGMENT_PARALLELISM).toBe('4');
    // Videos below the derived split threshold (44 min for 4 segments with no planning start, doc 0020) run as one job.
    expect(env.TRACKER_SEGMENT_MIN_SECONDS).toBe(String(minSplitSeconds(4)));
    expect(minSplitSeconds(4)).toBe(2640);
    // PlanSegments: ranged reads of the input buckets' objects, and only segments/plan.json written.
    const plan = statementsOfRole(template, roleIdOf(template, 'PlanSegmentsFn'));
    expect([...new Set(plan.flatMap(actionsOf))].sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
    const put = plan.filter((st) => actionsOf(st).includes('s3:PutObject'));
    expect(JSON.stringify(put.map((st) => st.Resource))).toMatch(/\/results\/\*\/segments\/plan\.json"\]/);
    const get = plan.filter((st) => actionsOf(st).includes('s3:GetObject'));
    expect(JSON.stringify(get.map((st) => st.Resource))).toContain('example-bucket/*');
    expect(JSON.stringify(get.map((st) => st.Resource))).not.toContain('StateResults');
    const stitch = statementsOfRole(template, roleIdOf(template, 'StitchFn'));
    expect([...new Set(stitch.flatMap(actionsOf))].sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  test('long videos: an array job whose children Spot reclaimed is submitted again with the same plan, within the resubmission budget', () => {
    const { States } = definitionOf(template);
    const catchAll = (States.RunSegments.Catch as { ErrorEquals: string[]; Next: string }[]).find((c) => c.ErrorEquals.includes('States.ALL'));
    expect(catchAll?.Next).toBe('HandleSegmentsFailure');
    // The HandleFailure Lambda, told it is the array job, with the job's resubmission count.
    expect(States.HandleSegmentsFailure.Parameters).toMatchObject({ segments: true, 'resubmits.$': '$.prepared.resubmits' });
    expect(States.HandleSegmentsFailure.Next).toBe('RetrySegmentsOrEnd');
    const choice = States.RetrySegmentsOrEnd as { Choices: { Variable: string; StringEquals: string; Next: string }[]; Default: string };
    expect(choice.Choices).toEqual([{ Variable: '$.failure.action', StringEquals: 'RETRY', Next: 'CountSegmentsResubmit' }]);
    expect(choice.Default).toBe('JobFailed');
    // The count and the plan carried; back to RunSegments (not RunTracker: no new plan, no planning run).
    expect(States.CountSegmentsResubmit.Parameters).toMatchObject({ 'plan.$': '$.plan', prepared: { 'resubmits.$': '$.failure.resubmits' } });
    expect(States.CountSegmentsResubmit.Next).toBe('RunSegments');
    // It asks Batch why the children failed.
    const statements = statementsOfRole(template, roleIdOf(template, 'HandleFailureFn'));
    expect(statements.filter((s) => actionsOf(s).includes('batch:ListJobs')).map((s) => s.Resource)).toEqual(['*']);
  });

  test('workflow Lambdas publish notifications only to allow-listed topics and assume only roles', () => {
    const statements = statementsOfRole(template, roleIdOf(template, 'HandleFailureFn'));
    // In the partition the stack is deployed in.
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish?.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:AmazonRekognition*']] });
    // They assume only the stack's one publisher role, never callers' roles directly (confused deputy, doc 0020).
    const assume = statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(assume.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [publisherRoleId(template), 'Arn'] }]);
    const prepare = statementsOfRole(template, roleIdOf(template, 'PrepareFn'));
    expect([...new Set(prepare.flatMap(actionsOf))].sort()).toEqual(
      ['dynamodb:GetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  test('the reconciler runs every 10 minutes with exactly the permissions its code uses', () => {
    const statements = statementsOfRole(template, roleIdOf(template, 'ReconcileFn'));
    expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual(
      [
        'batch:DescribeComputeEnvironments', // is the GPU compute environment healthy? (a metric, an alarm)
        'batch:ListJobs', // why a long-queued job waits: failed only if Batch says it cannot be placed
        'dynamodb:GetItem', // finishJob reads the job first (does it owe a notification?)
        'dynamodb:Query', // the owed-notifications index only
        'dynamodb:Scan', // listInProgress
        'dynamodb:UpdateItem', // finishJob: the job and its account's concurrency counter; the outbox's claim and settle
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish', // a job it fails is notified
        'states:DescribeExecution', // is the job's execution running?
        'states:StartExecution', // launch a job that never was
        'states:StopExecution', // a job whose tracker never left the Batch queue
        'sts:AssumeRole',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // Executions of this state machine only; starts of this state machine only.
    const describe = statements.find((s) => actionsOf(s).includes('states:DescribeExecution'));
    const rendered = JSON.stringify(describe?.Resource);
    expect(rendered).toContain(':execution:');
    expect(rendered).toMatch(/WorkflowStateMachine[0-9A-F]{8}","Name"\]\},":\*"/);
    const start = statements.find((s) => actionsOf(s).includes('states:StartExecution'));
    expect(JSON.stringify(start?.Resource)).toMatch(/^\{"Ref":"WorkflowStateMachine[0-9A-F]{8}"\}$/);
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith('ReconcileFn')) as string;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
    });
    // Its role publishes failure notifications: callers must be able to trust it.
    expect(JSON.stringify(template.findOutputs('NotificationPublisherRoles'))).toContain(roleIdOf(template, 'ReconcileFn'));
  });

  test('owed notifications: a sparse index on the jobs table, queried only by the reconciler, with an alarm', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [Match.objectLike({ AttributeName: 'pk' }), Match.objectLike({ AttributeName: 'sk' })],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'owed-notifications',
          KeySchema: [
            { AttributeName: 'owed', KeyType: 'HASH' },
            { AttributeName: 'notificationAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    const query = statementsOfRole(template, roleIdOf(template, 'ReconcileFn')).find((s) => actionsOf(s).includes('dynamodb:Query'));
    expect(actionsOf(query!)).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(query?.Resource)).toMatch(/\/index\/owed-notifications"\]\]\}$/);
    const owed = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === 'NotificationsOwed');
    expect(owed?.Properties).toMatchObject({ Namespace: 'PeoplePathing', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Maximum' });
  });

  test('alarms: failed jobs, workflow failures, API 5xx, queue age, reconciled jobs; a dashboard', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const described = alarms.map((a) => String(a.Properties.AlarmDescription));
    expect(described.some((d) => /jobs FAILED/.test(d))).toBe(true);
    expect(described.some((d) => /workflow execution failed/i.test(d))).toBe(true);
    expect(described.some((d) => /5xx/.test(d))).toBe(true);
    expect(described.some((d) => /queue/i.test(d))).toBe(true);
    expect(described.some((d) => /reconciler/.test(d))).toBe(true);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [Match.objectLike({ MetricName: 'QueueWaitSeconds', MetricValue: '$.queueWaitSeconds' })],
    });
  });

  test('no ARN in the template names a partition: it deploys to aws-cn and aws-us-gov as well', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/arn:aws(-[a-z]+)*:/);
  });

  test("the API's resource policy lets only the stack's own account call it (identity policies decide within it)", () => {
    const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
    expect(api.Properties.Policy.Statement).toEqual([
      {
        Sid: 'InvokeFromAllowedAccounts',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Resource: 'execute-api:/*',
      },
    ]);
  });

  test('alarms that fire on the first failure that matters: a job that never started, an unhealthy compute environment, a blocked queue', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    // One capacity/misconfiguration cancel is enough.
    expect(byMetric('JobsNeverStarted')).toEqual([
      expect.objectContaining({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Namespace: 'PeoplePathing', Statistic: 'Sum' }),
    ]);
    expect(byMetric('ComputeEnvironmentUnhealthy')).toEqual([expect.objectContaining({ Threshold: 1, EvaluationPeriods: 1, Statistic: 'Maximum' })]);
    // The queue-age alarm reads the wait of started jobs and of jobs cancelled in the queue.
    const queueAge = alarms.find((a) => /queue/i.test(String(a.AlarmDescription)) && a.Metrics);
    const queueMetrics = (queueAge?.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions?: unknown[] } } }[]).filter((m) => m.MetricStat);
    expect(queueMetrics.map((m) => [m.MetricStat?.Metric.MetricName, (m.MetricStat?.Metric.Dimensions ?? []).length])).toEqual([
      ['QueueWaitSeconds', 0],
      ['QueueWaitSeconds', 1],
    ]);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    // The reconciler is told which compute environment to check.
    const reconciler = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => String(f.Properties.Description).includes('launch jobs that were admitted'));
    expect(Object.keys(reconciler?.Properties.Environment.Variables)).toContain('COMPUTE_ENVIRONMENT');
    // ... and after how long a job still in the queue for a reason Batch does not act on is stopped: after Batch's
    // own longest RUNNABLE limit, well before the execution timeout.
    const neverStartedS = Number(reconciler?.Properties.Environment.Variables.NEVER_STARTED_AFTER_SECONDS);
    const [jobQueue] = Object.values(template.findResources('AWS::Batch::JobQueue'));
    const longestWaitS = Math.max(...(jobQueue.Properties.JobStateTimeLimitActions as { MaxTimeSeconds: number }[]).map((w) => w.MaxTimeSeconds));
    expect(neverStartedS).toBeGreaterThan(longestWaitS);
    expect(neverStartedS).toBeLessThan((definitionOf(template) as unknown as { TimeoutSeconds: number }).TimeoutSeconds / 4);
    // Batch's queue-blocked events for this queue go to the alarm topic, which EventBridge may use.
    const queueId = Object.keys(template.findResources('AWS::Batch::JobQueue'))[0];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], 'detail-type': ['Batch Job Queue Blocked'], detail: { jobQueue: [{ 'Fn::GetAtt': [queueId, 'JobQueueArn'] }] } },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: Match.arrayWith(['events.amazonaws.com']) } })]) },
    });
  });

  test('cdk-nag AwsSolutions reports nothing unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });
});

describe('people-pathing stack (options)', () => {
  test('inputBuckets is required', () => {
    expect(() => resolveConfig({})).toThrow(/inputBuckets is required/);
    expect(() => resolveConfig({ inputBuckets: ['Not_A_Bucket!'] })).toThrow(/not an S3 bucket name/);
  });

  test('allowedAccounts: cross-account callers of exactly the listed accounts, by resource policy', () => {
    expect(() => resolveConfig({ inputBuckets: ['example-bucket'], allowedAccounts: ['12345'] })).toThrow(/not a 12-digit AWS account id/);
    const { template } = synth({ inputBuckets: ['example-bucket'], allowedAccounts: ['222222222222', '333333333333'] });
    const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
    const [statement] = api.Properties.Policy.Statement as Statement[];
    const principals = (statement.Principal as { AWS: unknown[] }).AWS.map((p) => JSON.stringify(p).match(/iam::(\d{12}):root/)?.[1]);
    expect(principals).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' });
  });

  test('On-Demand, other instance types and vCPU limit', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'], spot: false, gpuInstanceTypes: ['g5.2xlarge'], maxVcpus: 64 });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', InstanceTypes: ['g5.2xlarge'], MinvCpus: 0, MaxvCpus: 64 }),
    });
  });

  test('the CPU path (no GPU configured) runs the tracker as a Fargate task, with no Batch at all', () => {
    const { stack, template } = synth({ inputBuckets: ['example-bucket'], gpuInstanceTypes: [] });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 0);
    // No Batch: no compute environment check, no queue-blocked rule.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/ComputeEnvironmentUnhealthy|Batch Job Queue Blocked|batch:DescribeComputeEnvironments|states:StopExecution|NEVER_STARTED_AFTER_SECONDS/);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RequiresCompatibilities: ['FARGATE'], Cpu: '4096' });
    // The image requires a GPU (PEOPLE_PATHING_REQUIRE_GPU=1); the CPU path allows the CPU explicitly.
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'PEOPLE_PATHING_ALLOW_CPU', Value: '1' }]) }),
      ]),
    });
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(sm.Properties.DefinitionString)).toContain(':states:::ecs:runTask.sync');
    // A 6 h video at the CPU factor gets its whole deadline before the task timeout, and the task fits the execution.
    const definition = definitionOf(template) as unknown as { TimeoutSeconds: number; States: Record<string, { TimeoutSeconds?: number }> };
    const taskTimeoutMs = (definition.States.RunTracker.TimeoutSeconds as number) * 1000;
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const env = task.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: string }[];
    const factor = Number(env.find((e) => e.Name === 'TRACKER_TIME_FACTOR')?.Value);
    expect(factor).toBe(TIME_FACTOR.cpu);
    expect(deadlineMsFor(6 * 3600 * 1000, factor) + TRANSFER_MARGIN_MS).toBeLessThanOrEqual(taskTimeoutMs);
    expect(taskTimeoutMs).toBeLessThan(definition.TimeoutSeconds * 1000);
    // Every Task has its catch-all on this path too.
    const tasks = Object.entries(definition.States as Record<string, { Type?: string; Catch?: { ErrorEquals: string[] }[] }>).filter(([, st]) => st.Type === 'Task');
    expect(tasks.length).toBe(5);
    for (const [name, st] of tasks) expect({ name, catchAll: (st.Catch ?? []).some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({ name, catchAll: true });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/arn:aws(-[a-z]+)*:/);
  });
});

describe('people-pathing stack (apiAuth=keys: SigV4 verified against issued keys, doc 0011)', () => {
  const { stack, template } = synth({ inputBuckets: ['example-bucket'], apiAuth: 'keys' });
  const apiRole = roleIdOf(template, 'ApiFn');
  const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table')).find((k) => k.startsWith('AccessKeys'))!;
  const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((k) => k.startsWith('AccessKeysKey'))!;

  test('API Gateway lets the signature through (authorization NONE) to the Lambda, which verifies it', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.filter((m) => m.Properties.HttpMethod === 'POST')).toHaveLength(2);
    for (const m of methods) expect(m.Properties.AuthorizationType).toBe('NONE');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ API_AUTH: 'keys', KEYS_TABLE: { Ref: tableId }, KEYS_KMS_KEY_ARN: { 'Fn::GetAtt': [keyId, 'Arn'] } }) },
    });
  });

  test('no resource policy naming IAM accounts: requests are anonymous to API Gateway, which would refuse them all', () => {
    const keysWithAccounts = synth({ inputBuckets: ['example-bucket'], apiAuth: 'keys', allowedAccounts: ['222222222222'] }).template;
    for (const t of [template, keysWithAccounts]) {
      for (const api of Object.values(t.findResources('AWS::ApiGateway::RestApi'))) expect(api.Properties.Policy).toBeUndefined();
    }
  });

  test('throttling stays as it is', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })]) });
  });

  test('keys live in their own table (PITR, encrypted) with secrets under a rotating KMS key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'AccessKeyId', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('access keys') });
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['AccessKeysTable', 'AccessKeysKmsKey', 'Endpoint']));
    expect(Object.keys(outputs)).not.toContain('InvokeArn');
  });

  test('the API Lambda may only read a key and decrypt secrets of that purpose: never write keys or encrypt', () => {
    const statements = statementsOfRole(template, apiRole);
    const onKeys = statements.filter((s) => JSON.stringify(s.Resource).includes(tableId));
    expect(onKeys.flatMap(actionsOf)).toEqual(['dynamodb:GetItem']);
    const kmsStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'people-pathing-access-key' } },
      }),
    ]);
  });

  test('cdk-nag AwsSolutions reports nothing unacknowledged (APIG4 justified in code)', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('the default stays AWS_IAM with no key store, and apiAuth accepts only iam or keys', () => {
    const { template: iam } = synth({ inputBuckets: ['example-bucket'] });
    for (const m of Object.values(iam.findResources('AWS::ApiGateway::Method'))) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    expect(Object.keys(iam.findResources('AWS::DynamoDB::Table')).filter((k) => k.startsWith('AccessKeys'))).toEqual([]);
    expect(JSON.stringify(iam.findResources('AWS::Lambda::Function'))).not.toContain('API_AUTH');
    expect(() => resolveConfig({ inputBuckets: ['example-bucket'], apiAuth: 'cognito' as never })).toThrow(/apiAuth must be "iam" or "keys"/);
  });
});
