/**
 * The synthesised CloudFormation of the people-pathing stack (aws-cdk-lib/assertions), one synth per
 * configuration, shared by the tests. Bundling is skipped (context aws:cdk:bundling-stacks = []): these
 * tests look at resources and permissions, not at Lambda code; test/unit/cdk-synth.test.ts runs the real
 * `cdk synth` with bundling.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveConfig } from '../../lib/config.js';
import type { PeoplePathingConfig } from '../../lib/config.js';
import { PeoplePathingStack } from '../../lib/people-pathing-stack.js';

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
        MaxvCpus: 16,
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
      Timeout: { AttemptDurationSeconds: 12 * 3600 },
    });
  });

  test('the workflow submits the tracker with submitJob.sync and retries Batch API errors', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const text = JSON.stringify(sm.Properties.DefinitionString);
    expect(text).toContain(':states:::batch:submitJob.sync');
    expect(text).toContain('Batch.TooManyRequestsException');
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
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', // pagination HMAC key
        'sns:Publish', // a job whose launch failed is FAILED and notified (lambdas/workflow/notifier.ts)
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
    expect(s3Resources).toHaveLength(3);
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
      // batch:TerminateJob: a segment child that fails on the video stops its array job's other children.
      ['batch:TerminateJob', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'].sort(),
    );
    const put = statements.find((s) => actionsOf(s).includes('s3:PutObject'));
    expect(JSON.stringify(put?.Resource)).toContain('/results/*');
    const terminate = statements.find((s) => actionsOf(s).includes('batch:TerminateJob'));
    expect(JSON.stringify(terminate?.Resource)).toMatch(/:batch:.*:job\/\*"/);
  });

  test('long videos: after RunTracker the workflow reads the plan, runs a Batch array job of segments, stitches in a Lambda', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const text = JSON.stringify(sm.Properties.DefinitionString);
    for (const state of ['ReadSegmentPlan', 'IsSegmented', 'RunSegments', 'StitchSegments']) expect(text).toContain(state);
    expect(text).toContain('\\"ArrayProperties\\":{\\"Size.$\\":\\"$.plan.size\\"}');
    expect(text).toContain('TRACKER_MODE');
    const [jobDef] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const env = jobDef.Properties.ContainerProperties.Environment as { Name: string; Value: string }[];
    // maxVcpus 16 / one 4-vCPU GPU instance per job.
    expect(env).toContainEqual({ Name: 'TRACKER_SEGMENT_PARALLELISM', Value: '4' });
    const stitch = statementsOfRole(template, roleIdOf(template, 'StitchFn'));
    expect([...new Set(stitch.flatMap(actionsOf))].sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:PutObject', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  test('workflow Lambdas publish notifications only to allow-listed topics and assume only roles', () => {
    const statements = statementsOfRole(template, roleIdOf(template, 'HandleFailureFn'));
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish?.Resource).toEqual('arn:aws:sns:*:*:AmazonRekognition*');
    const assume = statements.find((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(assume?.Resource).toEqual('arn:aws:iam::*:role/*');
    const prepare = statementsOfRole(template, roleIdOf(template, 'PrepareFn'));
    expect([...new Set(prepare.flatMap(actionsOf))].sort()).toEqual(
      ['dynamodb:GetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  test('the reconciler runs every 10 minutes with exactly the permissions its code uses', () => {
    const statements = statementsOfRole(template, roleIdOf(template, 'ReconcileFn'));
    expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual(
      [
        'dynamodb:Scan', // listInProgress
        'dynamodb:UpdateItem', // finishJob: the job and its account's concurrency counter
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish', // a job it fails is notified
        'states:DescribeExecution', // is the job's execution running?
        'states:StartExecution', // launch a job that never was
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

  test('On-Demand, other instance types and vCPU limit', () => {
    const { template } = synth({ inputBuckets: ['example-bucket'], spot: false, gpuInstanceTypes: ['g5.2xlarge'], maxVcpus: 64 });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', InstanceTypes: ['g5.2xlarge'], MinvCpus: 0, MaxvCpus: 64 }),
    });
  });

  test('the CPU path (no GPU configured) runs the tracker as a Fargate task, with no Batch at all', () => {
    const { stack, template } = synth({ inputBuckets: ['example-bucket'], gpuInstanceTypes: [] });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 0);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RequiresCompatibilities: ['FARGATE'], Cpu: '4096' });
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(sm.Properties.DefinitionString)).toContain(':states:::ecs:runTask.sync');
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
