/**
 * GetPersonTracking pagination tokens: opaque, at most 255 characters (spec §3.1), and unforgeable.
 *
 * A token is base64url(version ‖ sort ‖ offset (uint48 BE) ‖ HMAC-SHA256(key, "v1|account|jobId|sort|offset")[0..16)).
 * The MAC binds the offset to the caller's account, the job and the sort order, so a token from another job,
 * another account or the other sort order, or one with a single bit changed, is rejected as
 * InvalidPaginationTokenException. Results of a finished job never change, so an offset is a stable cursor.
 * 30 characters long.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PersonTrackingSortBy } from '../types.js';
import { invalidPaginationToken } from './errors.js';

const VERSION = 1;
const MAC_BYTES = 16;
const SORT_CODES: Record<PersonTrackingSortBy, number> = { TIMESTAMP: 1, INDEX: 2 };
const MAX_OFFSET = 2 ** 48 - 1;

export interface TokenScope {
  accountId: string;
  jobId: string;
  sortBy: PersonTrackingSortBy;
}

export class PaginationTokens {
  private readonly key: Buffer;

  constructor(key: string | Uint8Array) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (this.key.length < 16) throw new Error('pagination key must be at least 16 bytes');
  }

  private mac(scope: TokenScope, offset: number): Buffer {
    return createHmac('sha256', this.key)
      .update(`v${VERSION}|${scope.accountId}|${scope.jobId}|${scope.sortBy}|${offset}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  encode(scope: TokenScope, offset: number): string {
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new RangeError('bad offset');
    const buf = Buffer.alloc(2 + 6 + MAC_BYTES);
    buf.writeUInt8(VERSION, 0);
    buf.writeUInt8(SORT_CODES[scope.sortBy], 1);
    buf.writeUIntBE(offset, 2, 6);
    this.mac(scope, offset).copy(buf, 8);
    return buf.toString('base64url');
  }

  /** The offset a token points at; throws InvalidPaginationTokenException unless it was minted for this scope. */
  decode(scope: TokenScope, token: string): number {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalidPaginationToken();
    const buf = Buffer.from(token, 'base64url');
    if (buf.length !== 2 + 6 + MAC_BYTES || buf.toString('base64url') !== token) throw invalidPaginationToken();
    if (buf.readUInt8(0) !== VERSION || buf.readUInt8(1) !== SORT_CODES[scope.sortBy]) throw invalidPaginationToken();
    const offset = buf.readUIntBE(2, 6);
    if (!timingSafeEqual(buf.subarray(8), this.mac(scope, offset))) throw invalidPaginationToken();
    return offset;
  }
}
