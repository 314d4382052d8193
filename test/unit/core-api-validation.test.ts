import { ServiceError } from '../../core/api/errors.js';
import { parseBody, validateGetRequest, validateStartRequest } from '../../core/api/validation.js';
import { requestHash } from '../../core/jobs/request-hash.js';
import { buildCompletionMessage } from '../../core/notification.js';
import { accountFromAuthorization, parseAccounts } from '../../cli/local/auth.js';
import type { JobRecord } from '../../core/ports.js';

const VIDEO = { S3Object: { Bucket: 'my-bucket', Name: 'a/b.mp4' } };

function rejection(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('expected a ServiceError');
}

describe('request parsing', () => {
  it('treats an empty body as {} and rejects malformed JSON and non-objects', () => {
    expect(parseBody(undefined)).toEqual({});
    expect(parseBody('  ')).toEqual({});
    for (const bad of ['{', '[1]', 'null', '"x"', '{"a":1}}']) {
      const e = rejection(() => parseBody(bad));
      expect(e.name).toBe('InvalidParameterException');
      expect(e.status).toBe(400);
    }
  });
});

describe('StartPersonTracking validation', () => {
  it('keeps exactly the members the caller set', () => {
    expect(validateStartRequest({ Video: VIDEO })).toEqual({ Video: VIDEO });
    const full = {
      Video: { S3Object: { ...VIDEO.S3Object, Version: 'v1' } },
      ClientRequestToken: 'tok-1_A',
      NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:123456789012:AmazonRekognitionX', RoleArn: 'arn:aws:iam::123456789012:role/path/Role+=,.@-_' },
      JobTag: 'a:b+c=d/e.f-g_h',
      Unknown: 'tolerated',
    };
    const { Unknown: _u, ...expected } = full;
    expect(validateStartRequest(full)).toEqual(expected);
  });

  it.each([
    ['Video missing', {}],
    ['Video not a structure', { Video: 'x' }],
    ['bucket 2 chars', { Video: { S3Object: { Bucket: 'ab', Name: 'k' } } }],
    ['bucket with slash', { Video: { S3Object: { Bucket: 'a/bc', Name: 'k' } } }],
    ['bucket 256 chars', { Video: { S3Object: { Bucket: 'b'.repeat(256), Name: 'k' } } }],
    ['key empty', { Video: { S3Object: { Bucket: 'abc', Name: '' } } }],
    ['key a number', { Video: { S3Object: { Bucket: 'abc', Name: 5 } } }],
    ['key 1025 chars', { Video: { S3Object: { Bucket: 'abc', Name: 'k'.repeat(1025) } } }],
    ['version 1025 chars', { Video: { S3Object: { Bucket: 'abc', Name: 'k', Version: 'v'.repeat(1025) } } }],
    ['bucket missing', { Video: { S3Object: { Name: 'k' } } }],
    ['token with space', { Video: VIDEO, ClientRequestToken: 'a b' }],
    ['token 65 chars', { Video: VIDEO, ClientRequestToken: 'a'.repeat(65) }],
    ['jobTag with space', { Video: VIDEO, JobTag: 'a b' }],
    ['jobTag empty', { Video: VIDEO, JobTag: '' }],
    ['topic in aws-cn partition', { Video: VIDEO, NotificationChannel: { SNSTopicArn: 'arn:aws-cn:sns:cn-north-1:123456789012:t', RoleArn: 'arn:aws:iam::123456789012:role/r' } }],
    ['topic with short account', { Video: VIDEO, NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:1234:t', RoleArn: 'arn:aws:iam::123456789012:role/r' } }],
    ['role not a role', { Video: VIDEO, NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', RoleArn: 'arn:aws:iam::123456789012:user/u' } }],
    ['role with trailing junk', { Video: VIDEO, NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', RoleArn: 'arn:aws:iam::123456789012:role/r x' } }],
    ['channel without topic', { Video: VIDEO, NotificationChannel: { RoleArn: 'arn:aws:iam::123456789012:role/r' } }],
  ])('rejects %s', (_name, body) => {
    const e = rejection(() => validateStartRequest(body as Record<string, unknown>));
    expect(e.name).toBe('InvalidParameterException');
  });

  it('accepts boundary lengths', () => {
    expect(() => validateStartRequest({ Video: { S3Object: { Bucket: 'abc', Name: 'k'.repeat(1024) } }, ClientRequestToken: 't'.repeat(64), JobTag: 'j'.repeat(1024) })).not.toThrow();
    expect(() => validateStartRequest({ Video: { S3Object: { Bucket: 'b'.repeat(255), Name: 'k' } } })).not.toThrow();
  });
});

describe('GetPersonTracking validation', () => {
  const id = 'f'.repeat(64);
  it('defaults SortBy and MaxResults and caps MaxResults at 1000', () => {
    expect(validateGetRequest({ JobId: id })).toEqual({ JobId: id, MaxResults: 1000, SortBy: 'TIMESTAMP' });
    expect(validateGetRequest({ JobId: id, MaxResults: 1 }).MaxResults).toBe(1);
    expect(validateGetRequest({ JobId: id, MaxResults: 1000 }).MaxResults).toBe(1000);
    expect(validateGetRequest({ JobId: id, MaxResults: 1001 }).MaxResults).toBe(1000);
    expect(validateGetRequest({ JobId: id, MaxResults: 2 ** 40 }).MaxResults).toBe(1000);
    expect(validateGetRequest({ JobId: id, SortBy: 'INDEX' }).SortBy).toBe('INDEX');
    expect(validateGetRequest({ JobId: id, NextToken: '' }).NextToken).toBeUndefined();
  });

  it.each([
    ['no JobId', {}],
    ['JobId 65 chars', { JobId: 'a'.repeat(65) }],
    ['JobId with dot', { JobId: 'a.b' }],
    ['MaxResults 0', { JobId: id, MaxResults: 0 }],
    ['MaxResults 1.5', { JobId: id, MaxResults: 1.5 }],
    ['MaxResults string', { JobId: id, MaxResults: '10' }],
    ['SortBy lower case', { JobId: id, SortBy: 'index' }],
    ['NextToken 256 chars', { JobId: id, NextToken: 'n'.repeat(256) }],
  ])('rejects %s', (_name, body) => {
    expect(rejection(() => validateGetRequest(body as Record<string, unknown>)).name).toBe('InvalidParameterException');
  });
});

describe('request hash', () => {
  it('ignores member order and the token, and changes with any parameter', () => {
    const a = requestHash({ Video: { S3Object: { Bucket: 'abc', Name: 'k' } }, JobTag: 't', ClientRequestToken: 'x' });
    const b = requestHash({ JobTag: 't', ClientRequestToken: 'y', Video: { S3Object: { Name: 'k', Bucket: 'abc' } } });
    expect(a).toBe(b);
    expect(requestHash({ Video: { S3Object: { Bucket: 'abc', Name: 'k' } }, JobTag: 'u' })).not.toBe(a);
    expect(requestHash({ Video: { S3Object: { Bucket: 'abc', Name: 'k', Version: '1' } }, JobTag: 't' })).not.toBe(a);
  });
});

describe('completion message', () => {
  const job: JobRecord = {
    jobId: 'a'.repeat(64),
    accountId: '123456789012',
    status: 'SUCCEEDED',
    video: { S3Object: { Bucket: 'blobbucket-us-east-1', Name: '15fps-surveillance-video.mp4', Version: 'v9' } },
    createdAt: 0,
    expiresAt: 0,
  };
  it('is the exact Rekognition message, JobTag only when set', () => {
    expect(buildCompletionMessage(job, 1571136869013.7)).toBe(
      `{"JobId":"${'a'.repeat(64)}","Status":"SUCCEEDED","API":"StartPersonTracking","Timestamp":1571136869013,"Video":{"S3ObjectName":"15fps-surveillance-video.mp4","S3Bucket":"blobbucket-us-east-1"}}`,
    );
    expect(Object.keys(JSON.parse(buildCompletionMessage({ ...job, status: 'FAILED', jobTag: 'tag' }, 1)))).toEqual(['JobId', 'Status', 'API', 'JobTag', 'Timestamp', 'Video']);
  });
});

describe('local account resolution', () => {
  const header = (key: string) => `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;
  it('uses the SigV4 access key id, mapped by --accounts', () => {
    const accounts = parseAccounts('AKIDA=111111111111, AKIDB=222222222222');
    expect(accountFromAuthorization(header('AKIDA'), accounts)).toBe('111111111111');
    expect(accountFromAuthorization(header('AKIDZ'), accounts)).toBe('AKIDZ');
    expect(accountFromAuthorization(undefined, accounts)).toBeUndefined();
    expect(accountFromAuthorization('Bearer abc', accounts)).toBeUndefined();
    expect(() => parseAccounts('AKIDA')).toThrow(/KEY=ACCOUNT/);
  });
});
