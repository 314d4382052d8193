/**
 * The console's server-side rules a user relies on: a session ends when it expires or when its key is revoked (the
 * real key file store), the CSRF header must match exactly, dropped file names cannot leave their bucket folder, zone
 * files are kept per account and video, and only videos a browser plays are served without the H.264 copy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyStore } from '../../cli/local/key-file-store.js';
import { csrfOk, SESSION_COOKIE, SessionStore, sessionCookie } from '../../cli/local/console/sessions.js';
import { uploadKey, zoneFilePath } from '../../cli/local/console/handler.js';
import { browserPlayable } from '../../cli/local/console/media.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('console sessions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-console-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is found by its cookie until it expires, and never after', async () => {
    const keys = new FileKeyStore(dir);
    const key = await keys.create('111122223333');
    let now = 1_000_000;
    const store = new SessionStore(keys, () => now, 60_000);
    const s = store.create(key.accessKeyId, key.account);
    const req = request({ cookie: `other=1; ${SESSION_COOKIE}=${s.id}` });
    await expect(store.of(req)).resolves.toMatchObject({ account: '111122223333' });
    await expect(store.of(request({ cookie: `${SESSION_COOKIE}=${s.id}x` }))).resolves.toBeUndefined();
    await expect(store.of(request({}))).resolves.toBeUndefined();
    now += 60_000;
    await expect(store.of(req)).resolves.toBeUndefined();
  });

  it('ends when its key is revoked', async () => {
    const keys = new FileKeyStore(dir);
    const key = await keys.create('444455556666');
    const store = new SessionStore(keys);
    const s = store.create(key.accessKeyId, key.account);
    const req = request({ cookie: `${SESSION_COOKIE}=${s.id}` });
    await expect(store.of(req)).resolves.toBeDefined();
    await keys.revoke(key.accessKeyId);
    await expect(store.of(req)).resolves.toBeUndefined();
  });

  it('sets an HttpOnly, SameSite=Strict cookie scoped to the console, and checks the CSRF header exactly', () => {
    const store = new SessionStore(undefined);
    const s = store.create('AKID', '123');
    expect(sessionCookie(s)).toMatch(new RegExp(`^${SESSION_COOKIE}=${s.id}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`));
    expect(csrfOk(request({ 'x-pp-csrf': s.csrf }), s)).toBe(true);
    expect(csrfOk(request({ 'x-pp-csrf': s.csrf.slice(1) }), s)).toBe(false);
    expect(csrfOk(request({}), s)).toBe(false);
  });
});

describe('console files', () => {
  it('keeps a dropped file inside the account folder of the upload bucket', () => {
    expect(uploadKey('000000000000', 'street.mp4')).toBe('000000000000/street.mp4');
    expect(uploadKey('1', '../../etc/passwd')).toBe('1/passwd');
    expect(uploadKey('1', '..')).toBe('1/video');
    expect(uploadKey('1', 'C:\\videos\\my clip (2).avi')).toBe('1/my_clip__2_.avi');
    expect(uploadKey('1', '.hidden.mp4')).toBe('1/hidden.mp4');
  });

  it('keeps one zone file per account and video', () => {
    const a = zoneFilePath('/d', '1', 'videos', 'a.mp4');
    expect(a).toMatch(/^\/d\/zones\/1\/[0-9a-f]{32}\.json$/);
    expect(zoneFilePath('/d', '1', 'videos', 'a.mp4')).toBe(a);
    expect(zoneFilePath('/d', '1', 'videos', 'b.mp4')).not.toBe(a);
    expect(zoneFilePath('/d', '2', 'videos', 'a.mp4')).not.toBe(a);
    expect(zoneFilePath('/d', '../x', 'videos', 'a.mp4')).toMatch(/^\/d\/zones\/___x\//);
  });

  it('serves H.264 in MP4/MOV as it is, and makes a copy of anything else', () => {
    expect(browserPlayable({ Codec: 'h264', Format: 'QuickTime / MOV' })).toBe(true);
    expect(browserPlayable({ Codec: 'msmpeg4v3', Format: 'AVI (Audio Video Interleaved)' })).toBe(false);
    expect(browserPlayable({ Codec: 'mpeg4', Format: 'QuickTime / MOV' })).toBe(false);
    expect(browserPlayable({ Codec: 'h264', Format: 'Matroska / WebM' })).toBe(false);
    expect(browserPlayable(undefined)).toBe(false);
  });
});
