/**
 * Sign-in: one request signed with SigV4 by @smithy/signature-v4 — the signer of the AWS SDK for JavaScript, which
 * runs in browsers — with the browser's own SHA-256 and HMAC (WebCrypto). The secret never leaves the page; the
 * server verifies the signature as it verifies every API call (core/auth/sigv4.ts) and answers with a session cookie.
 */
import { SignatureV4 } from '@smithy/signature-v4';

type Bytes = string | ArrayBuffer | ArrayBufferView;

/** The bytes of a string (UTF-8) or buffer, as a fresh ArrayBuffer-backed copy (what WebCrypto takes). */
const toBytes = (data: Bytes): Uint8Array<ArrayBuffer> =>
  typeof data === 'string'
    ? new TextEncoder().encode(data)
    : data instanceof ArrayBuffer
      ? new Uint8Array(data.slice(0))
      : new Uint8Array(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

/** The Checksum the signer asks for: SHA-256, or HMAC-SHA-256 when constructed with a key, on WebCrypto. */
class WebCryptoSha256 {
  private readonly parts: Uint8Array<ArrayBuffer>[] = [];

  constructor(private readonly secret?: Bytes) {}

  update(data: Bytes): void {
    this.parts.push(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const size = this.parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(size);
    let at = 0;
    for (const p of this.parts) {
      all.set(p, at);
      at += p.length;
    }
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
    const key = await crypto.subtle.importKey('raw', toBytes(this.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, all));
  }

  reset(): void {
    this.parts.length = 0;
  }
}

export interface SessionInfo {
  Account: string;
  AccessKeyId: string;
  Csrf: string;
  ExpiresAt: number;
}

/** Signs and sends the sign-in request; the answer sets the HttpOnly session cookie. Throws with a message for a person. */
export async function signIn(accessKeyId: string, secretAccessKey: string, region = 'us-east-1'): Promise<SessionInfo> {
  const signer = new SignatureV4({
    service: 'rekognition',
    region,
    credentials: { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim() },
    sha256: WebCryptoSha256,
    applyChecksum: true,
  });
  const body = '{}';
  const signed = await signer.sign({
    method: 'POST',
    protocol: location.protocol,
    hostname: location.hostname,
    port: location.port ? Number(location.port) : undefined,
    path: '/console/api/session',
    query: {},
    headers: { host: location.host, 'content-type': 'application/json' },
    body,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') headers.set(name, value);
  let response: Response;
  try {
    response = await fetch('/console/api/session', { method: 'POST', headers, body, credentials: 'same-origin' });
  } catch {
    throw new Error('The console server cannot be reached. Is `npm start` still running?');
  }
  const answer = (await response.json().catch(() => ({}))) as Partial<SessionInfo> & { Message?: string };
  if (!response.ok) throw new Error(answer.Message ?? `Sign-in failed (HTTP ${response.status}).`);
  return answer as SessionInfo;
}
