/**
 * Local mode's notion of the caller.
 *
 * - `auth: 'keys'` (the default): the request's SigV4 signature is verified against the keys issued into
 *   <dataDir>/access-keys.json (core/auth/sigv4.ts); the key's account is the caller.
 * - `auth: 'none'` (demos and tests): signatures are not verified; the access key id in the Authorization header
 *   (`AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`) is the caller's account, or the
 *   account `--accounts KEY=ACCOUNT,...` maps it to.
 */
import type { IncomingMessage } from 'node:http';
import { verifySigV4, verifySigV4Headers } from '../../core/auth/sigv4.js';
import type { KeyLookup } from '../../core/auth/keys.js';

export type LocalAuthMode = 'keys' | 'none';

export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /Credential=([^/,\s]+)\//.exec(authorization);
  return match?.[1];
}

export function accountFromAuthorization(authorization: string | undefined, accounts: Record<string, string>): string | undefined {
  const key = accessKeyIdOf(authorization);
  if (!key) return undefined;
  return Object.prototype.hasOwnProperty.call(accounts, key) ? accounts[key] : key;
}

/** Parses `KEY=ACCOUNT,KEY2=ACCOUNT2`. */
export function parseAccounts(spec: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new Error(`--accounts: expected KEY=ACCOUNT, got '${pair}'`);
    map[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return map;
}

/**
 * Authentication in two steps, so that the body is read only once the headers pass: the first step checks every
 * header (under 'keys': a well-formed, current signature of a known key) and throws AWS's error when they fail; the
 * step it returns checks the signature over the body's bytes and gives the caller's account.
 */
export type Authenticate = (req: IncomingMessage) => Promise<(body: Uint8Array) => Promise<string | undefined>>;

/** The caller's account of a request, or a ServiceError (AWS's authentication errors) under auth 'keys'. */
export function localAuthenticator(
  options: { mode: 'none'; accounts: Record<string, string> } | { mode: 'keys'; keys: KeyLookup; regions?: readonly string[] },
): Authenticate {
  if (options.mode === 'none') {
    const { accounts } = options;
    return async (req) => {
      const account = accountFromAuthorization(req.headers.authorization, accounts);
      return async () => account;
    };
  }
  const verifier = { keys: options.keys, regions: options.regions && options.regions.length > 0 ? options.regions : ('any' as const) };
  return async (req) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const rawPath = (req.url ?? '/').split('?')[0] || '/';
    const request = { method: req.method ?? 'POST', path: rawPath, query, headers: req.headers };
    const checked = await verifySigV4Headers(request, verifier);
    return async (body) => (await verifySigV4({ ...request, body }, verifier, checked)).account;
  };
}
