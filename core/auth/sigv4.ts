/**
 * The SigV4 verifier of AWS JSON requests signed with keys the service issued (doc 0011). One implementation
 * for local mode (cli/local/server.ts) and the deployed API Lambda (lambdas/api/handler.ts).
 *
 * The signature is recomputed by @smithy/signature-v4 — the signer the AWS SDK for JavaScript uses — over
 * exactly the headers the client listed in SignedHeaders, its X-Amz-Date and the hash of the body as received,
 * then compared in constant time. Errors are AWS's classes and messages, so every SDK raises the exception it
 * would raise against AWS (and JS v3 corrects its clock on "Signature expired").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import { ServiceError } from '../api/errors.js';
import type { KeyLookup } from './keys.js';

export const SIGNING_SERVICE = 'rekognition';
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';
export const MISSING_TOKEN_MESSAGE = 'Request is missing Authentication Token';

export interface SignedHttpRequest {
  method: string;
  /** The request path as sent (percent-encoded), without the query string. */
  path: string;
  /** Decoded query parameters. */
  query?: Record<string, string | string[] | null | undefined>;
  /** Header names in any case; multi-valued headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received. */
  body: string | Uint8Array | undefined;
}

export interface VerifierOptions {
  keys: KeyLookup;
  /** Regions a credential scope may name; 'any' accepts every region (local mode's default). */
  regions: readonly string[] | 'any';
  now?: () => number;
}

export interface VerifiedCaller {
  accessKeyId: string;
  account: string;
}

const incomplete = (message: string) => new ServiceError('IncompleteSignatureException', message);
const invalidSignature = (message = SIGNATURE_MISMATCH_MESSAGE) => new ServiceError('InvalidSignatureException', message);

function header(headers: SignedHttpRequest['headers'], name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    // Repeated headers are one comma-separated value in the canonical request.
    const text = Array.isArray(value) ? value.join(',') : value;
    found = found === undefined ? text : `${found},${text}`;
  }
  return found;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': only '${ALGORITHM}' is accepted.`);
  const params = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const text = part.trim();
    if (!text) continue;
    const eq = text.indexOf('=');
    if (eq <= 0) throw incomplete('Invalid key=value pair (missing equal-sign) in Authorization header.');
    params.set(text.slice(0, eq), text.slice(eq + 1));
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((p) => !params.get(p));
  if (missing.length > 0) throw incomplete(missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' '));
  const credential = params.get('Credential')!.split('/');
  if (credential.length !== 5 || credential.some((c) => c === '')) {
    throw incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.");
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  const signature = params.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw invalidSignature();
  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) throw incomplete("SignedHeaders must be a ';'-separated list of lower-case header names.");
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature };
}

/** 20261201T120000Z → epoch ms; undefined when not ISO-8601 basic format. */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : undefined;
}

const amzDate = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function sha256Hex(body: string | Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_SHA256;
  return createHash('sha256').update(body).digest('hex');
}

/** What the headers alone established: a well-formed, current Authorization naming a known key (not yet its signature). */
export interface SignedHeadersCheck {
  auth: ParsedAuthorization;
  signedAt: number;
  secretAccessKey: string;
  account: string;
}

/**
 * Every check the headers allow, before a byte of the body is read: Authorization present and well-formed, scope
 * (service, region, date), clock skew, key known and active. Throws the ServiceError AWS would answer. A transport
 * runs this first so that a client with no valid key cannot make it read a body (doc/architecture/0018).
 */
export async function verifySigV4Headers(request: Omit<SignedHttpRequest, 'body'>, options: VerifierOptions): Promise<SignedHeadersCheck> {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new ServiceError('MissingAuthenticationTokenException', MISSING_TOKEN_MESSAGE);
  }
  const auth = parseAuthorization(authorization.trim());
  const signed = new Set(auth.signedHeaders);
  if (!signed.has('host')) throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  const dateHeader = header(request.headers, 'x-amz-date');
  if (dateHeader === undefined) throw incomplete("Authorization header requires existence of a 'X-Amz-Date' header.");
  if (!signed.has('x-amz-date')) throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  const signedAt = parseAmzDate(dateHeader);
  if (signedAt === undefined) throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${dateHeader.slice(0, 32)}'.`);

  if (auth.terminator !== 'aws4_request') throw invalidSignature(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator.slice(0, 32)}'.`);
  if (auth.service !== SIGNING_SERVICE) throw invalidSignature(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'. `);
  if (options.regions !== 'any' && !options.regions.includes(auth.region)) {
    throw invalidSignature(`Credential should be scoped to a valid region, not '${auth.region.slice(0, 32)}'. `);
  }
  if (auth.date !== dateHeader.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date.slice(0, 8)}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`,
    );
  }

  const now = (options.now ?? Date.now)();
  const nowText = amzDate(now);
  if (signedAt < now - MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(`Signature expired: ${dateHeader} is now earlier than ${amzDate(now - MAX_CLOCK_SKEW_MS)} (${nowText} - 15 min.)`);
  }
  if (signedAt > now + MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(`Signature expired: ${dateHeader} is now later than ${amzDate(now + MAX_CLOCK_SKEW_MS)} (${nowText} + 15 min.)`);
  }

  // Issued keys have no session tokens: a token means credentials that are not ours.
  if (header(request.headers, 'x-amz-security-token') !== undefined) throw new ServiceError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
  const key = await options.keys.lookup(auth.accessKeyId);
  if (!key) throw new ServiceError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
  return { auth, signedAt, secretAccessKey: key.secretAccessKey, account: key.account };
}

/**
 * Verifies the request's SigV4 Authorization header and returns the caller; throws the ServiceError AWS would
 * answer otherwise. Checks in AWS's order: the header checks (verifySigV4Headers, or their result when the transport
 * ran them before reading the body), then the signature over the body's bytes exactly as received.
 */
export async function verifySigV4(request: SignedHttpRequest, options: VerifierOptions, checked?: SignedHeadersCheck): Promise<VerifiedCaller> {
  const { auth, signedAt, secretAccessKey, account } = checked ?? (await verifySigV4Headers(request, options));
  const signed = new Set(auth.signedHeaders);

  // The payload hash is always the hash of the body received; a client's x-amz-content-sha256 must agree with it.
  const bodyHash = sha256Hex(request.body);
  const declaredHash = header(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== bodyHash) throw invalidSignature();

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  headers['x-amz-content-sha256'] ??= bodyHash; // used as the payload hash; canonical only when signed
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const unsignable = signed.has('x-amz-content-sha256') ? undefined : new Set(['x-amz-content-sha256']);
  const result = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: decodePath(request.path),
      query: cleanQuery(request.query),
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signableHeaders: signed, unsignableHeaders: unsignable },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(result.headers.authorization))?.[1] ?? '';
  const expectedList = /SignedHeaders=([^,]+)/.exec(String(result.headers.authorization))?.[1];
  const same =
    expectedList === auth.signedHeaders.join(';') &&
    timingSafeEqual(Buffer.from(expected.padEnd(64, '0'), 'latin1'), Buffer.from(auth.signature, 'latin1'));
  if (!same) throw invalidSignature();
  return { accessKeyId: auth.accessKeyId, account };
}

/** The signer escapes each path segment itself: give it the decoded path. */
function decodePath(path: string): string {
  try {
    return path.split('/').map(decodeURIComponent).join('/') || '/';
  } catch {
    return path;
  }
}

function cleanQuery(query: SignedHttpRequest['query']): Record<string, string | string[] | null> {
  const out: Record<string, string | string[] | null> = {};
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
