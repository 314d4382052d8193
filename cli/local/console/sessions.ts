/**
 * Console sessions (doc/architecture/0024-console.md): the browser signs one sign-in request with SigV4 using an
 * issued key; the server answers with a random session id in an HttpOnly, SameSite=Strict cookie bound to that key.
 * Each later request is checked again: the session must not have expired and, under auth 'keys', its key must still
 * be issued and not revoked (the key file is read at every lookup, so a revocation ends the session at once).
 * State-changing requests must also carry the session's CSRF token in a header, which a cross-site form cannot set.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KeyLookup } from '../../../core/auth/keys.js';

export const SESSION_COOKIE = 'pp_console';
export const CSRF_HEADER = 'x-pp-csrf';
/** Twelve hours: a working day, after which the user signs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export interface Session {
  id: string;
  accessKeyId: string;
  account: string;
  csrf: string;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    /** Under auth 'keys': the issued keys (a revoked or removed key ends its sessions). Undefined under auth 'none'. */
    private readonly keys: KeyLookup | undefined,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  create(accessKeyId: string, account: string): Session {
    this.sweep();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      accessKeyId,
      account,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: this.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of a request's cookie, or undefined (none, unknown, expired, or its key revoked). */
  async of(req: IncomingMessage): Promise<Session | undefined> {
    const id = cookie(req.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    if (this.keys) {
      const key = await this.keys.lookup(session.accessKeyId);
      if (!key || key.account !== session.account) {
        this.sessions.delete(id);
        return undefined;
      }
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** True when the request carries the session's CSRF token in the X-PP-CSRF header. */
export function csrfOk(req: IncomingMessage, session: Session): boolean {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sessionCookie(session: Session): string {
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${session.id}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`;
}

export const CLEARED_COOKIE = `${SESSION_COOKIE}=; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=0`;

export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
