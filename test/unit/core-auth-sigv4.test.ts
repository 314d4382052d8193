/**
 * core/auth/sigv4.ts on requests signed by @smithy/signature-v4 (the JS v3 signer): the checks the real-client
 * suites (api-sigv4-local, api-sigv4-python, api-lambda-keys) do not reach, each with AWS's error class.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import { verifySigV4 } from '../../core/auth/sigv4.js';
import type { SignedHttpRequest } from '../../core/auth/sigv4.js';
import { ACCESS_KEY_ID_PATTERN, CachedKeyLookup, newAccessKey, validateAccount } from '../../core/auth/keys.js';
import type { ActiveKey, KeyLookup } from '../../core/auth/keys.js';
import { ServiceError } from '../../core/api/errors.js';

const KEY = { accessKeyId: 'AKPPTESTTESTTESTTEST', secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXM=' };
const keys: KeyLookup = { lookup: async (id) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey, account: '111111111111' } : undefined) };
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const BODY = '{"JobId":"abc"}';

async function signed(
  options: { service?: string; region?: string; headers?: Record<string, string>; path?: string; query?: Record<string, string>; at?: number } = {},
): Promise<SignedHttpRequest & { headers: Record<string, string> }> {
  const signer = new SignatureV4({ service: options.service ?? 'rekognition', region: options.region ?? 'eu-west-1', credentials: KEY, sha256: Hash.bind(null, 'sha256') });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'example.test',
      path: options.path ?? '/',
      query: options.query ?? {},
      headers: { host: 'example.test', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.GetPersonTracking', ...options.headers },
      body: BODY,
    },
    { signingDate: new Date(options.at ?? NOW) },
  );
  return { method: 'POST', path: options.path ?? '/', query: options.query, headers: request.headers as Record<string, string>, body: BODY };
}

async function errorOf(request: SignedHttpRequest, regions: readonly string[] | 'any' = ['eu-west-1']): Promise<{ name: string; message: string }> {
  try {
    await verifySigV4(request, { keys, regions, now: () => NOW });
  } catch (e) {
    if (e instanceof ServiceError) return { name: e.name, message: e.message };
    throw e;
  }
  throw new Error('verified');
}

describe('verifySigV4', () => {
  it('verifies a signed request and returns the key and its account; a stage path and a query are part of it', async () => {
    await expect(verifySigV4(await signed(), { keys, regions: ['eu-west-1'], now: () => NOW })).resolves.toEqual({ accessKeyId: KEY.accessKeyId, account: '111111111111' });
    const staged = await signed({ path: '/prod/', query: { a: 'b c' } });
    await expect(verifySigV4(staged, { keys, regions: 'any', now: () => NOW })).resolves.toMatchObject({ account: '111111111111' });
    expect((await errorOf({ ...staged, query: { a: 'b d' } })).name).toBe('InvalidSignatureException');
    expect((await errorOf({ ...staged, path: '/other/' })).name).toBe('InvalidSignatureException');
  });

  it('headers the client did not sign may change (proxies add them); signed ones may not', async () => {
    const request = await signed();
    await expect(verifySigV4({ ...request, headers: { ...request.headers, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'other' } }, { keys, regions: 'any', now: () => NOW })).resolves.toBeDefined();
    expect((await errorOf({ ...request, headers: { ...request.headers, 'content-type': 'application/json' } })).name).toBe('InvalidSignatureException');
    const withoutTarget = { ...request.headers };
    delete withoutTarget['x-amz-target'];
    expect((await errorOf({ ...request, headers: withoutTarget })).name).toBe('InvalidSignatureException');
  });

  it('never trusts a declared x-amz-content-sha256 over the body received', async () => {
    const request = await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(await errorOf(request)).toMatchObject({ name: 'InvalidSignatureException', message: expect.stringMatching(/^The request signature we calculated/) });
  });

  it('checks the credential scope: region list, service, date', async () => {
    expect(await errorOf(await signed({ region: 'us-east-1' }))).toEqual({ name: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'us-east-1'. " });
    await expect(verifySigV4(await signed({ region: 'us-east-1' }), { keys, regions: 'any', now: () => NOW })).resolves.toBeDefined();
    expect((await errorOf(await signed({ service: 's3' }))).message).toBe("Credential should be scoped to correct service: 'rekognition'. ");
    const request = await signed();
    const otherDay = { ...request, headers: { ...request.headers, authorization: request.headers.authorization!.replace('/20261201/', '/20261130/') } };
    expect(await errorOf(otherDay)).toMatchObject({ name: 'InvalidSignatureException', message: expect.stringMatching(/^Date in Credential scope does not match/) });
  });

  it('allows 15 minutes of skew either way, and words the answer like AWS', async () => {
    await expect(verifySigV4(await signed({ at: NOW - 14 * 60_000 }), { keys, regions: 'any', now: () => NOW })).resolves.toBeDefined();
    expect(await errorOf(await signed({ at: NOW - 16 * 60_000 }))).toEqual({
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20261201T114400Z is now earlier than 20261201T114500Z (20261201T120000Z - 15 min.)',
    });
    expect((await errorOf(await signed({ at: NOW + 16 * 60_000 }))).message).toBe(
      'Signature expired: 20261201T121600Z is now later than 20261201T121500Z (20261201T120000Z + 15 min.)',
    );
  });

  it('answers malformed headers with IncompleteSignatureException, and no header with MissingAuthenticationTokenException', async () => {
    const request = await signed();
    const auth = request.headers.authorization!;
    const withAuth = (a: string | undefined, extra: Record<string, string | undefined> = {}) => ({ ...request, headers: { ...request.headers, authorization: a, ...extra } });
    expect((await errorOf(withAuth(undefined))).name).toBe('MissingAuthenticationTokenException');
    expect(await errorOf(withAuth('Bearer abc'))).toMatchObject({ name: 'IncompleteSignatureException' });
    expect(await errorOf(withAuth(auth.replace(/, Signature=.*/, '')))).toEqual({
      name: 'IncompleteSignatureException',
      message: "Authorization header requires 'Signature' parameter.",
    });
    expect((await errorOf(withAuth(auth.replace('SignedHeaders=', 'SignedHeaders=x;').replace('host;', '')))).name).toBe('IncompleteSignatureException');
    expect((await errorOf(withAuth(auth, { 'x-amz-date': '2026-12-01T12:00:00Z' }))).message).toMatch(/^Date must be in ISO-8601 'basic format'/);
    expect((await errorOf(withAuth(auth, { 'x-amz-date': undefined }))).name).toBe('IncompleteSignatureException');
    expect((await errorOf(withAuth(auth.replace(/Credential=[^,]+/, 'Credential=AKPP/20261201/eu-west-1')))).name).toBe('IncompleteSignatureException');
    expect((await errorOf(withAuth(auth.replace(/Signature=[0-9a-f]+/, 'Signature=zz')))).name).toBe('InvalidSignatureException');
  });

  it('answers unknown keys and session tokens with UnrecognizedClientException', async () => {
    const request = await signed();
    const unknown = { ...request, headers: { ...request.headers, authorization: request.headers.authorization!.replace(KEY.accessKeyId, 'AKPPUNKNOWNUNKNOWNUN') } };
    expect(await errorOf(unknown)).toEqual({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    expect((await errorOf({ ...request, headers: { ...request.headers, 'x-amz-security-token': 'FwoG' } })).name).toBe('UnrecognizedClientException');
  });
});

describe('issued keys', () => {
  it('look like IAM access keys with their own prefix and a 40-character secret, never twice the same', () => {
    const a = newAccessKey('111111111111');
    const b = newAccessKey('111111111111');
    expect(a.accessKeyId).toMatch(ACCESS_KEY_ID_PATTERN);
    expect(a.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
  });

  it('name an account of letters, digits, dot, dash, underscore', () => {
    expect(validateAccount('123456789012')).toBe('123456789012');
    for (const bad of ['', '../x', 'a b', 'x'.repeat(65)]) expect(() => validateAccount(bad)).toThrow(/account must be/);
  });

  it('are cached for at most the TTL; unknown ids are not cached, so a new key works at once', async () => {
    const table = new Map<string, ActiveKey>();
    let lookups = 0;
    let clock = 0;
    const cached = new CachedKeyLookup({ lookup: async (id) => (lookups++, table.get(id)) }, 60_000, () => clock);
    expect(await cached.lookup('K')).toBeUndefined();
    table.set('K', { secretAccessKey: 's', account: 'a' });
    expect(await cached.lookup('K')).toEqual({ secretAccessKey: 's', account: 'a' });
    table.delete('K');
    clock = 59_999;
    expect(await cached.lookup('K')).toBeDefined();
    clock = 60_000;
    expect(await cached.lookup('K')).toBeUndefined();
    expect(lookups).toBe(3);
  });
});
