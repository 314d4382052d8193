import { PaginationTokens } from '../../core/api/pagination.js';
import type { TokenScope } from '../../core/api/pagination.js';
import { ServiceError } from '../../core/api/errors.js';
import { ResultsReader, ResultsWriter, LocalFolderSource } from '../../core/results-format.js';
import type { ByteRangeSource } from '../../core/results-format.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scope: TokenScope = { accountId: '111111111111', jobId: 'a'.repeat(64), sortBy: 'TIMESTAMP' };

function decodeError(tokens: PaginationTokens, s: TokenScope, token: string): string {
  try {
    tokens.decode(s, token);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return (e as ServiceError).name;
  }
  return 'accepted';
}

describe('pagination tokens', () => {
  const tokens = new PaginationTokens('0123456789abcdef-secret');

  it('round-trips offsets within the 255-character limit', () => {
    for (const offset of [0, 1, 999, 1000, 2_000_000, 2 ** 48 - 1]) {
      const t = tokens.encode(scope, offset);
      expect(t.length).toBeLessThanOrEqual(255);
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(tokens.decode(scope, t)).toBe(offset);
    }
  });

  it('rejects tokens of another job, account, sort order or key', () => {
    const t = tokens.encode(scope, 1000);
    expect(decodeError(tokens, { ...scope, jobId: 'b'.repeat(64) }, t)).toBe('InvalidPaginationTokenException');
    expect(decodeError(tokens, { ...scope, accountId: '222222222222' }, t)).toBe('InvalidPaginationTokenException');
    expect(decodeError(tokens, { ...scope, sortBy: 'INDEX' }, t)).toBe('InvalidPaginationTokenException');
    expect(decodeError(new PaginationTokens('another-secret-0123456789'), scope, t)).toBe('InvalidPaginationTokenException');
  });

  it('rejects every single-character change and malformed input', () => {
    const t = tokens.encode(scope, 1000);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < t.length; i++) {
      const c = alphabet[(alphabet.indexOf(t[i]) + 1) % alphabet.length];
      expect(decodeError(tokens, scope, t.slice(0, i) + c + t.slice(i + 1))).toBe('InvalidPaginationTokenException');
    }
    for (const bad of ['', 'x', t + 'A', t.slice(1), `${t.slice(0, 10)}=${t.slice(11)}`, '////', 'é'.repeat(30)]) {
      expect(decodeError(tokens, scope, bad)).toBe('InvalidPaginationTokenException');
    }
  });

  it('refuses short keys', () => {
    expect(() => new PaginationTokens('short')).toThrow();
  });
});

/** Counts the bytes a reader pulls, to prove a page costs O(page), not O(video). */
class CountingSource implements ByteRangeSource {
  bytes = 0;
  constructor(private readonly inner: ByteRangeSource) {}
  async readRange(name: string, start: number, end: number): Promise<Uint8Array> {
    const b = await this.inner.readRange(name, start, end);
    this.bytes += b.length;
    return b;
  }
  async readAll(name: string): Promise<Uint8Array> {
    const b = await this.inner.readAll(name);
    this.bytes += b.length;
    return b;
  }
}

describe('results reader cost', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-reader-'));
    const w = await ResultsWriter.create(dir);
    for (let k = 0; k < 60_000; k++) {
      await w.add({ Timestamp: Math.floor(k / 4) * 66, Person: { Index: k % 4, BoundingBox: { Width: 0.1, Height: 0.2, Left: 0.3, Top: 0.4 } } }, (k % 7) / 7);
    }
    await w.finish({ Codec: 'h264' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads about one page of bytes for the first, middle and last page of either order', async () => {
    const sizes: number[] = [];
    for (const sortBy of ['TIMESTAMP', 'INDEX'] as const) {
      for (const start of [0, 30_000, 59_000]) {
        const source = new CountingSource(new LocalFolderSource(dir));
        const page = await new ResultsReader(source).readPage(sortBy, start, 1000);
        expect(page).toHaveLength(1000);
        const pageBytes = Buffer.byteLength(page.map((p) => JSON.stringify(p) + '\n').join(''));
        // data bytes of the page + 8 bytes of index per record + a small manifest — never the 60,000 records
        expect(source.bytes).toBeLessThan(pageBytes + 8 * 1001 + 512);
        sizes.push(source.bytes);
      }
    }
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(2000);
  });
});
