/**
 * The canonical hash of a StartPersonTracking request's parameters (everything but the ClientRequestToken):
 * same token + same hash → the same job; same token + another hash → IdempotentParameterMismatchException.
 * Canonical = JSON with object keys sorted, so member order on the wire does not matter.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StartPersonTrackingRequest } from '../types.js';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(request: StartPersonTrackingRequest): string {
  const { ClientRequestToken: _token, ...parameters } = request;
  return createHash('sha256').update(canonical(parameters)).digest('hex');
}

/** A new JobId: 64 lower-case hex characters, like Rekognition's. */
export function newJobId(): string {
  return randomBytes(32).toString('hex');
}

export const JOB_ID_PATTERN = /^[0-9a-f]{64}$/;

/** Jobs, their results and idempotency tokens live 7 days (spec §2.1, §7). */
export const RETENTION_SECONDS = 7 * 24 * 3600;
