/**
 * Local mode's notion of the caller: the access key id in the SigV4 Authorization header
 * (`AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`), mapped to an account by
 * `--accounts KEY=ACCOUNT,...` (an unmapped key is its own account). Signatures are not verified: local mode
 * listens on 127.0.0.1 only and is a development endpoint.
 */
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
