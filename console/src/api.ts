/**
 * The console's calls to its server (cli/local/console/handler.ts). A state change carries the session's CSRF token
 * in X-PP-CSRF. A call that cannot reach the server says so on the page and is tried again until it can (1 s, 2 s,
 * 4 s ... up to 15 s apart); an answer that says the session is gone sends the user to sign in.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionEvents {
  /** Called with a line to show while the server cannot be reached, and with undefined once it answers again. */
  onConnection(message: string | undefined): void;
  /** The session ended (expired, signed out elsewhere, key revoked). */
  onSignedOut(): void;
}

let csrf = '';
let events: ConnectionEvents = { onConnection: () => undefined, onSignedOut: () => undefined };

export function setCsrf(token: string): void {
  csrf = token;
}

export function setConnectionEvents(e: ConnectionEvents): void {
  events = e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fetch with the session, retried while the network fails; the answer's JSON, or an ApiError with the server's message. */
export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  if (method !== 'GET' && method !== 'HEAD') headers.set('X-PP-CSRF', csrf);
  let wait = 1000;
  let response: Response;
  for (;;) {
    try {
      response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
      break;
    } catch {
      // Uploads are not repeated: their body stream is spent. Everything else is safe to send again.
      if (init.body instanceof Blob) {
        events.onConnection(undefined);
        throw new ApiError(0, 'ConnectionLost', 'The connection to the console server was lost during the upload. Try again.');
      }
      events.onConnection(`Connection to the console server lost. Retrying in ${Math.round(wait / 1000)} s…`);
      await sleep(wait);
      wait = Math.min(wait * 2, 15000);
    }
  }
  events.onConnection(undefined);
  const body = (await response.json().catch(() => ({}))) as { __type?: string; Message?: string; message?: string };
  if (!response.ok) {
    if (response.status === 401) events.onSignedOut();
    throw new ApiError(response.status, body.__type ?? 'Error', body.Message ?? body.message ?? `The server answered HTTP ${response.status}.`);
  }
  return body as T;
}
