/**
 * How a completion message is published (adapters/sns-notifier.ts) and how a caught error becomes a
 * decision (lambdas/workflow/failure.ts). STS and SNS cannot run here: they are recording fakes that answer
 * like the services (AccessDenied / AuthorizationError); everything else is the shipped code.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { SNSClient } from '@aws-sdk/client-sns';
import { CallerRoleNotifier, arnMatches, callerRoleNotifiers } from '../../adapters/sns-notifier.js';
import { classifyFailure } from '../../lambdas/workflow/failure.js';
import { STATUS_MESSAGES } from '../../core/tracker-protocol.js';
import { FakeIam } from '../fixtures/iam-trust-fake.js';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const denied = (name: string) => Object.assign(new Error('denied'), { name });

function setup(options: { assume: 'allow' | 'deny'; publishAsRole?: 'allow' | 'deny'; allowList?: string[] }) {
  const calls: { op: string; role?: string; topic?: string; assumed?: boolean }[] = [];
  const sts = {
    send: async (command: { input: { RoleArn?: string } }) => {
      calls.push({ op: 'AssumeRole', role: command.input.RoleArn });
      if (options.assume === 'deny') throw denied('AccessDenied');
      return { Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't' } };
    },
  } as unknown as Pick<STSClient, 'send'>;
  const snsFor = (_region: string, credentials?: unknown) =>
    ({
      send: async (command: { input: { TopicArn?: string } }) => {
        calls.push({ op: 'Publish', topic: command.input.TopicArn, assumed: credentials !== undefined });
        if (credentials && options.publishAsRole === 'deny') throw denied('AuthorizationError');
        return {};
      },
    }) as unknown as Pick<SNSClient, 'send'>;
  const notifier = new CallerRoleNotifier({ accountId: ACCOUNT, allowList: options.allowList ?? ['arn:aws:sns:*:*:AmazonRekognition*'], sts, snsFor });
  return { notifier, calls };
}

describe('callerRoleNotifiers (the Lambdas\' wiring)', () => {
  test('reads the allow-list from the environment and reuses one service SNS client per region', async () => {
    const made: { region: string; assumed: boolean }[] = [];
    const published: string[] = [];
    const notifierFor = callerRoleNotifiers({
      sts: { send: async () => Promise.reject(denied('AccessDenied')) } as unknown as Pick<STSClient, 'send'>,
      newSns: (config) => {
        made.push({ region: config.region, assumed: config.credentials !== undefined });
        return { send: async (c: { input: { TopicArn?: string } }) => published.push(c.input.TopicArn!) } as unknown as Pick<SNSClient, 'send'>;
      },
      env: { NOTIFICATION_TOPIC_ALLOW_LIST: ' arn:aws:sns:*:*:AmazonRekognition* , arn:aws:sns:*:*:Other ' },
    });
    const role = `arn:aws:iam::${ACCOUNT}:role/R`;
    await notifierFor(ACCOUNT).publish({ SNSTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionA`, RoleArn: role }, 'm');
    await notifierFor(ACCOUNT).publish({ SNSTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:Other`, RoleArn: role }, 'm');
    await expect(notifierFor(ACCOUNT).publish({ SNSTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:NotListed`, RoleArn: role }, 'm')).rejects.toThrow();
    expect(published).toEqual([`arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionA`, `arn:aws:sns:eu-west-1:${ACCOUNT}:Other`]);
    expect(made).toEqual([{ region: 'eu-west-1', assumed: false }]);
  });
});

describe('publishing as the caller\'s role goes through the one publisher role (doc 0020)', () => {
  const LAMBDA = 'arn:aws:iam::999999999999:role/pp-CompleteFnRole';
  const PUBLISHER = 'arn:aws:iam::999999999999:role/pp-publisher-eu-west-1';
  const env = { NOTIFICATION_TOPIC_ALLOW_LIST: '', ALLOWED_ACCOUNTS: OTHER, PUBLISHER_ROLE_ARN: PUBLISHER };

  function wiring(iam: FakeIam) {
    const published: { topic: string; as: string | undefined }[] = [];
    const notifierFor = callerRoleNotifiers({
      sts: iam.as(LAMBDA),
      newSts: iam.fromCredentials,
      newSns: (config) =>
        ({
          send: async (c: { input: { TopicArn?: string } }) => published.push({ topic: c.input.TopicArn!, as: config.credentials?.accessKeyId.replace('ASIA|', '') }),
        }) as unknown as Pick<SNSClient, 'send'>,
      env,
    });
    return { notifierFor, published };
  }

  test('the Lambda assumes only the publisher role, which assumes the caller\'s role with ExternalId = the job\'s account', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/Notify`;
    const iam = new FakeIam().role(PUBLISHER, { principals: [LAMBDA] }).role(role, { principals: [PUBLISHER], externalIds: [ACCOUNT] });
    const { notifierFor, published } = wiring(iam);
    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:any-name`;
    await notifierFor(ACCOUNT).publish({ SNSTopicArn: topic, RoleArn: role }, 'm');
    expect(published).toEqual([{ topic, as: role }]);
    expect(iam.calls.map((c) => [c.as, c.roleArn, c.externalId, c.allowed])).toEqual([
      [LAMBDA, PUBLISHER, undefined, true],
      [PUBLISHER, role, ACCOUNT, true],
    ]);
  });

  test('an allowed account\'s role that trusts another caller cannot be borrowed: the ExternalId is the job\'s account', async () => {
    const central = `arn:aws:iam::${OTHER}:role/Central`;
    // The central role serves callers of OTHER only.
    const iam = new FakeIam().role(PUBLISHER, { principals: [LAMBDA] }).role(central, { principals: [PUBLISHER], externalIds: [OTHER] });
    const { notifierFor, published } = wiring(iam);
    await expect(notifierFor(ACCOUNT).publish({ SNSTopicArn: `arn:aws:sns:eu-west-1:${OTHER}:t`, RoleArn: central }, 'm')).rejects.toMatchObject({
      name: 'NotificationNotAllowed',
    });
    expect(published).toEqual([]);
    expect(iam.calls.at(-1)).toMatchObject({ as: PUBLISHER, roleArn: central, externalId: ACCOUNT, allowed: false });
  });
});

describe('CallerRoleNotifier', () => {
  const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionDone`;
  const role = `arn:aws:iam::${ACCOUNT}:role/RekognitionSns`;

  test('publishes as the caller\'s role when it can be assumed', async () => {
    const { notifier, calls } = setup({ assume: 'allow' });
    await notifier.publish({ SNSTopicArn: topic, RoleArn: role }, 'm');
    expect(calls).toEqual([{ op: 'AssumeRole', role }, { op: 'Publish', topic, assumed: true }]);
  });

  test('falls back to the service role for an allow-listed topic when the role does not trust the service', async () => {
    const { notifier, calls } = setup({ assume: 'deny' });
    await notifier.publish({ SNSTopicArn: topic, RoleArn: role }, 'm');
    expect(calls).toEqual([{ op: 'AssumeRole', role }, { op: 'Publish', topic, assumed: false }]);
  });

  test('falls back too when the assumed role may not publish', async () => {
    const { notifier, calls } = setup({ assume: 'allow', publishAsRole: 'deny' });
    await notifier.publish({ SNSTopicArn: topic, RoleArn: role }, 'm');
    expect(calls.map((c) => `${c.op}:${String(c.assumed ?? '')}`)).toEqual(['AssumeRole:', 'Publish:true', 'Publish:false']);
  });

  test('refuses a topic off the allow-list when the role cannot be assumed', async () => {
    const { notifier, calls } = setup({ assume: 'deny' });
    const other = `arn:aws:sns:eu-west-1:${ACCOUNT}:my-topic`;
    await expect(notifier.publish({ SNSTopicArn: other, RoleArn: role }, 'm')).rejects.toMatchObject({ name: 'NotificationNotAllowed' });
    expect(calls.filter((c) => c.op === 'Publish')).toEqual([]);
  });

  test('never acts in another account: a foreign role is not assumed, a foreign topic is refused', async () => {
    const a = setup({ assume: 'allow' });
    await a.notifier.publish({ SNSTopicArn: topic, RoleArn: `arn:aws:iam::${OTHER}:role/Trusting` }, 'm');
    expect(a.calls).toEqual([{ op: 'Publish', topic, assumed: false }]);
    const b = setup({ assume: 'allow' });
    await expect(b.notifier.publish({ SNSTopicArn: `arn:aws:sns:eu-west-1:${OTHER}:AmazonRekognitionX`, RoleArn: role }, 'm')).rejects.toThrow(/account/);
    expect(b.calls).toEqual([]);
  });

  test('allow-list patterns are literal apart from *', () => {
    expect(arnMatches('arn:aws:sns:eu-west-1:123456789012:AmazonRekognitionA', 'arn:aws:sns:*:*:AmazonRekognition*')).toBe(true);
    expect(arnMatches('arn:aws:sns:eu-west-1:123456789012:OtherTopic', 'arn:aws:sns:*:*:AmazonRekognition*')).toBe(false);
    expect(arnMatches('arn:aws:sns:eu-west-1:123456789012:a.b', 'arn:aws:sns:eu-west-1:123456789012:a.b')).toBe(true);
    expect(arnMatches('arn:aws:sns:eu-west-1:123456789012:aXb', 'arn:aws:sns:eu-west-1:123456789012:a.b')).toBe(false);
  });
});

describe('classifyFailure', () => {
  const batch = (fields: Record<string, unknown>) => ({ Error: 'States.TaskFailed', Cause: JSON.stringify({ Status: 'FAILED', ...fields }) });

  test('Spot reclaim / host failure is retryable', () => {
    expect(classifyFailure(batch({ StatusReason: 'Host EC2 (instance i-1) terminated.', Attempts: [{ StatusReason: 'Host EC2 (instance i-1) terminated.' }] }))).toMatchObject({ kind: 'HOST', retryable: true });
    // Fargate Spot on the CPU path.
    expect(classifyFailure({ Error: 'TrackerExitedWithError', Cause: JSON.stringify({ StopCode: 'SpotInterruption', Containers: [{ ExitCode: 143 }] }) })).toMatchObject({ kind: 'HOST', retryable: true });
  });

  test('a queue cancellation for capacity, an attempt timeout and a task timeout are final, with their messages', () => {
    expect(classifyFailure(batch({ StatusReason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no g5 capacity' }))).toEqual({ kind: 'CAPACITY', retryable: false, statusMessage: STATUS_MESSAGES.capacity });
    expect(classifyFailure(batch({ StatusReason: 'Job attempt duration exceeded timeout' }))).toEqual({ kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout });
    expect(classifyFailure({ Error: 'States.Timeout', Cause: '' })).toEqual({ kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout });
  });

  // AWS Batch's wordings as its user guide documents them (jobs stuck in RUNNABLE, jobStateTimeLimitActions, retries).
  test.each([
    ['Canceled by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 'CAPACITY'],
    ['Terminated by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 'CAPACITY'],
    ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [g5.xlarge]', 'CAPACITY'],
    ['Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', 'MISCONFIGURATION'],
    ['Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', 'MISCONFIGURATION'],
    ['MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.', 'MISCONFIGURATION'],
  ])('Batch reason "%s" is a job that never started (%s): final, with the capacity message', (reason, kind) => {
    expect(classifyFailure(batch({ StatusReason: reason }))).toEqual({ kind, retryable: false, statusMessage: STATUS_MESSAGES.capacity });
  });

  test.each([
    ['Host EC2 (instance i-0123456789abcdef0) terminated.', 'HOST', true, STATUS_MESSAGES.interrupted],
    ['Job attempt duration exceeded timeout', 'TIMEOUT', false, STATUS_MESSAGES.timeout],
    ['Essential container in task exited', 'CONTAINER', false, STATUS_MESSAGES.internal],
  ])('Batch reason "%s" on the last attempt only is still read (%s)', (reason, kind, retryable, statusMessage) => {
    // DescribeJobs puts the job-level reason of the final attempt in StatusReason; earlier attempts can say otherwise.
    const cause = batch({ StatusReason: 'Essential container in task exited', Attempts: [{ StatusReason: 'Essential container in task exited' }, { StatusReason: reason, Container: { ExitCode: 137 } }] });
    expect(classifyFailure(cause)).toEqual({ kind, retryable, statusMessage });
  });

  test('a container failure takes the message the container reported, else one from its exit code', () => {
    const exited = batch({ StatusReason: 'Essential container in task exited', Attempts: [{ Container: { ExitCode: 3 } }] });
    expect(classifyFailure(exited, { code: 'INVALID_VIDEO', message: 'unsupported codec' })).toEqual({ kind: 'CONTAINER', retryable: false, statusMessage: 'unsupported codec' });
    expect(classifyFailure(batch({ StatusReason: 'Essential container in task exited', Container: { ExitCode: 2 } }))).toMatchObject({ statusMessage: STATUS_MESSAGES.unreadable });
    expect(classifyFailure(batch({ StatusReason: 'Essential container in task exited', Container: { ExitCode: 137 } }))).toMatchObject({ statusMessage: STATUS_MESSAGES.internal });
  });

  test('errors of the workflow itself are internal errors, never retried', () => {
    expect(classifyFailure({ Error: 'Lambda.Unknown', Cause: 'not json' })).toEqual({ kind: 'INTERNAL', retryable: false, statusMessage: STATUS_MESSAGES.internal });
    expect(classifyFailure(undefined)).toMatchObject({ kind: 'INTERNAL' });
  });
});
