/**
 * Where `people-pathing analyse` reads persons from: a GetPersonTracking JSON file (what `track --out` and `get`
 * write, one page saved from Rekognition, a JSON array of pages, or pages one after another as NDJSON), read by a
 * streaming scanner so a file of millions of detections never becomes one string or one array; or a job, paged through
 * GetPersonTracking on any endpoint with the same client `people-pathing get` uses.
 */
import { createReadStream } from 'node:fs';
import { paginateGetPersonTracking } from '@aws-sdk/client-rekognition';
import { fromPersonDetection, type PersonDetectionLike, type PersonSample } from '../core/analytics/index.js';
import { rekognitionClient } from './get.js';
import { PagesScanner, ResultsSyntaxError } from './results-scanner.js';

export interface VideoMetadataLike {
  FrameWidth?: number;
  FrameHeight?: number;
  FrameRate?: number;
  DurationMillis?: number;
}

export interface PersonSink {
  /** Called once, before the first person, with the first VideoMetadata found (or undefined). */
  start(meta: VideoMetadataLike | undefined): void;
  person(sample: PersonSample): void;
}

export interface ReadStats {
  detections: number;
  /** Entries of Persons without Timestamp, Index or a complete BoundingBox. */
  unusable: number;
  pages: number;
}

/** Persons buffered while waiting for a VideoMetadata that comes after them in the file (bounded). */
const META_WAIT = 100_000;

export class ResultsFormatError extends Error {}

/** Stream-parses a results file into `sink`. */
export async function readResultsFile(path: string, sink: PersonSink): Promise<ReadStats> {
  const stats: ReadStats = { detections: 0, unusable: 0, pages: 0 };
  let started = false;
  let meta: VideoMetadataLike | undefined;
  let waiting: PersonSample[] = [];
  const begin = (): void => {
    started = true;
    sink.start(meta);
    for (const s of waiting) sink.person(s);
    waiting = [];
  };
  const scanner = new PagesScanner(
    (value) => {
      const sample = fromPersonDetection(value as PersonDetectionLike);
      if (!sample) {
        stats.unusable++;
        return;
      }
      stats.detections++;
      if (started) sink.person(sample);
      else {
        waiting.push(sample);
        if (meta !== undefined || waiting.length >= META_WAIT) begin();
      }
    },
    (value) => {
      if (meta === undefined && value && typeof value === 'object') meta = value as VideoMetadataLike;
    },
  );
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) scanner.write(chunk as Buffer);
    scanner.end();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ResultsFormatError(`results file not found: ${path}`);
    if (e instanceof ResultsSyntaxError) throw new ResultsFormatError(`${path} is not GetPersonTracking JSON: ${e.message}`);
    throw err;
  }
  stats.pages = scanner.pages;
  if (!started) begin();
  if (stats.pages === 0) throw new ResultsFormatError(`${path} has no Persons: give GetPersonTracking JSON (track --out, get --out, or saved pages)`);
  return stats;
}

/** Pages through GetPersonTracking of a finished job into `sink`. */
export async function readJob(endpoint: URL, jobId: string, sink: PersonSink, options: { region?: string; signingName?: string; sortBy?: 'TIMESTAMP' | 'INDEX' } = {}): Promise<ReadStats> {
  const client = rekognitionClient(endpoint, options.region, options.signingName);
  const stats: ReadStats = { detections: 0, unusable: 0, pages: 0 };
  try {
    for await (const page of paginateGetPersonTracking({ client, pageSize: 1000 }, { JobId: jobId, SortBy: options.sortBy ?? 'TIMESTAMP' })) {
      if (page.JobStatus && page.JobStatus !== 'SUCCEEDED') {
        throw new ResultsFormatError(`job ${jobId} is ${page.JobStatus}${page.StatusMessage ? `: ${page.StatusMessage}` : ''}; analyse a SUCCEEDED job (people-pathing get --wait waits for it)`);
      }
      if (stats.pages++ === 0) sink.start(page.VideoMetadata);
      for (const p of page.Persons ?? []) {
        const s = fromPersonDetection(p);
        if (!s) stats.unusable++;
        else {
          stats.detections++;
          sink.person(s);
        }
      }
    }
  } finally {
    client.destroy();
  }
  return stats;
}
