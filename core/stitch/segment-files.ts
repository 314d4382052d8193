/**
 * A segment's output on disk (a local folder, or an S3 prefix copied to one): what a segment run writes and the
 * stitcher reads, streamed line by line.
 *
 *   samples.ndjson   one analysed sample per line, in time order:
 *                    {"t":Timestamp,"f":sourceIndex,"p":[[Index,x1,y1,x2,y2,score,interpolated 0|1],...],"x":{"Index":extra}}
 *   features.json    {"Index":{"first":[...],"last":[...]}}: the tracker's smoothed re-ID feature per person
 *   segment.json     written last (its presence marks the segment complete): range, frames, timings
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Box } from '../geometry.js';
import type { SegmentPerson, SegmentSample, StitchSegment, TrackFeatures } from './index.js';

export const SEGMENT_FILES = { samples: 'samples.ndjson', features: 'features.json', meta: 'segment.json' } as const;

export interface SegmentMeta {
  startFrame: number;
  endFrame?: number;
  /** Analysed samples written. */
  samples: number;
  detections: number;
  /** CPU seconds the segment run took (its process and the ffmpeg it waited for). */
  cpuSec?: number;
  wallSec?: number;
}

type Row = [number, number, number, number, number, number, number];

export class SegmentWriter {
  private buf: string[] = [];
  private bytes = 0;
  private samples = 0;
  private detections = 0;
  private readonly features = new Map<number, TrackFeatures>();

  private constructor(
    private readonly dir: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(dir: string): Promise<SegmentWriter> {
    await mkdir(dir, { recursive: true });
    return new SegmentWriter(dir, await open(join(dir, SEGMENT_FILES.samples), 'w'));
  }

  /** Notes a person's current smoothed feature (copied): the first one seen and the latest. */
  feature(index: number, feature: Float32Array | undefined): void {
    if (!feature) return;
    const e = this.features.get(index);
    if (!e) this.features.set(index, { first: Float32Array.from(feature), last: Float32Array.from(feature) });
    else e.last = Float32Array.from(feature);
  }

  async add(sample: SegmentSample): Promise<void> {
    const p: Row[] = sample.persons.map((q) => [q.index, q.box[0], q.box[1], q.box[2], q.box[3], q.score, q.interpolated ? 1 : 0]);
    const extras = sample.persons.filter((q) => q.extra !== undefined);
    const line: Record<string, unknown> = { t: sample.timestampMs, f: sample.sourceIndex, p };
    if (extras.length > 0) line.x = Object.fromEntries(extras.map((q) => [q.index, q.extra]));
    const text = JSON.stringify(line) + '\n';
    this.buf.push(text);
    this.bytes += text.length;
    this.samples++;
    this.detections += p.length;
    if (this.bytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.bytes = 0;
    await this.fh.write(text);
  }

  /** Writes the features and, last, segment.json. */
  async finish(meta: Omit<SegmentMeta, 'samples' | 'detections'>): Promise<SegmentMeta> {
    await this.flush();
    await this.fh.close();
    const features = Object.fromEntries(
      [...this.features].map(([i, f]) => [i, { first: f.first ? Array.from(f.first) : undefined, last: f.last ? Array.from(f.last) : undefined }]),
    );
    await writeFile(join(this.dir, SEGMENT_FILES.features), JSON.stringify(features));
    const full: SegmentMeta = { ...meta, samples: this.samples, detections: this.detections };
    await writeFile(join(this.dir, `${SEGMENT_FILES.meta}.tmp`), JSON.stringify(full));
    await rename(join(this.dir, `${SEGMENT_FILES.meta}.tmp`), join(this.dir, SEGMENT_FILES.meta));
    return full;
  }

  /** Closes the file without marking the segment complete (on failure). */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

export async function readSegmentMeta(dir: string): Promise<SegmentMeta> {
  return JSON.parse(await readFile(join(dir, SEGMENT_FILES.meta), 'utf8')) as SegmentMeta;
}

/** Parses one samples.ndjson line. */
export function parseSampleLine(line: string): SegmentSample {
  const o = JSON.parse(line) as { t: number; f: number; p: Row[]; x?: Record<string, unknown> };
  const persons: SegmentPerson[] = o.p.map((r) => {
    const person: SegmentPerson = { index: r[0], box: [r[1], r[2], r[3], r[4]] as Box, score: r[5] };
    if (r[6]) person.interpolated = true;
    const extra = o.x?.[String(r[0])];
    if (extra !== undefined) person.extra = extra;
    return person;
  });
  return { timestampMs: o.t, sourceIndex: o.f, persons };
}

/** A complete segment folder as the stitcher's input (fails if segment.json is missing: the run did not finish). */
export async function openSegmentDir(dir: string): Promise<StitchSegment & { meta: SegmentMeta }> {
  const meta = await readSegmentMeta(dir);
  return {
    meta,
    startFrame: meta.startFrame,
    samples: async function* () {
      const lines = createInterface({ input: createReadStream(join(dir, SEGMENT_FILES.samples)), crlfDelay: Infinity });
      for await (const line of lines) if (line) yield parseSampleLine(line);
    },
    features: async () => {
      const raw = JSON.parse(await readFile(join(dir, SEGMENT_FILES.features), 'utf8')) as Record<string, { first?: number[]; last?: number[] }>;
      const out = new Map<number, TrackFeatures>();
      for (const [k, v] of Object.entries(raw)) {
        out.set(Number(k), {
          ...(v.first ? { first: Float32Array.from(v.first) } : {}),
          ...(v.last ? { last: Float32Array.from(v.last) } : {}),
        });
      }
      return out;
    },
  };
}
