/**
 * The results format: the one contract between the tracking engine (writer) and the API (reader).
 *
 * A job's results are a folder (locally) or an S3 prefix (in AWS) holding five files:
 *
 *   manifest.json      {"formatVersion":1,"count":N,"persons":P,"videoMetadata":{...}}
 *   timestamp.ndjson   one PersonDetection JSON per line, in TIMESTAMP order (Timestamp asc, Index asc)
 *   timestamp.idx      (N+1) little-endian uint64 byte offsets into timestamp.ndjson; entry N = file size
 *   index.ndjson       the same lines in INDEX order (Index asc, detection confidence desc, Timestamp asc)
 *   index.idx          offsets into index.ndjson, as above
 *
 * Each line is exactly the JSON object GetPersonTracking returns for that element, so a page of records
 * [s, s+n) costs two ranged reads — idx bytes [8s, 8(s+n+1)) and data bytes [off[s], off[s+n]) — whatever
 * the size of the video: O(page), never O(video). The same two reads work on a local file and as S3
 * ranged GETs. See doc/architecture/0002-results-format.md.
 */
import { open, mkdir, writeFile, readFile, rename, rm, rmdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersonDetection, PersonTrackingSortBy, VideoMetadata } from './types.js';

export const RESULTS_FORMAT_VERSION = 1;

export const RESULT_FILES = {
  manifest: 'manifest.json',
  TIMESTAMP: { data: 'timestamp.ndjson', index: 'timestamp.idx' },
  INDEX: { data: 'index.ndjson', index: 'index.idx' },
} as const;

export const ALL_RESULT_FILE_NAMES: readonly string[] = [
  RESULT_FILES.manifest,
  RESULT_FILES.TIMESTAMP.data,
  RESULT_FILES.TIMESTAMP.index,
  RESULT_FILES.INDEX.data,
  RESULT_FILES.INDEX.index,
];

export interface ResultsManifest {
  formatVersion: number;
  /** Number of PersonDetection records. */
  count: number;
  /** Number of distinct person indices. */
  persons: number;
  videoMetadata: VideoMetadata;
}

/** Where a reader gets bytes from: a local folder, an S3 prefix, ... */
export interface ByteRangeSource {
  /** Bytes [start, endExclusive) of the named file. */
  readRange(name: string, start: number, endExclusive: number): Promise<Uint8Array>;
  /** The whole (small) named file. */
  readAll(name: string): Promise<Uint8Array>;
}

const OFFSET_BYTES = 8;

/** Reads pages of a finished job's results. */
export class ResultsReader {
  private manifest?: ResultsManifest;

  constructor(private readonly source: ByteRangeSource) {}

  async getManifest(): Promise<ResultsManifest> {
    if (!this.manifest) {
      const parsed = JSON.parse(Buffer.from(await this.source.readAll(RESULT_FILES.manifest)).toString('utf8')) as ResultsManifest;
      if (parsed.formatVersion !== RESULTS_FORMAT_VERSION) {
        throw new Error(`unsupported results format version ${String(parsed.formatVersion)}`);
      }
      this.manifest = parsed;
    }
    return this.manifest;
  }

  /** Records [start, start+limit) in the given order, clipped to the record count. */
  async readPage(sortBy: PersonTrackingSortBy, start: number, limit: number): Promise<PersonDetection[]> {
    const { count } = await this.getManifest();
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 0) {
      throw new RangeError('page bounds must be non-negative integers');
    }
    const end = Math.min(count, start + limit);
    if (start >= end) return [];
    const files = RESULT_FILES[sortBy];
    const idx = Buffer.from(await this.source.readRange(files.index, start * OFFSET_BYTES, (end + 1) * OFFSET_BYTES));
    const offsets: number[] = [];
    for (let i = 0; i <= end - start; i++) offsets.push(Number(idx.readBigUInt64LE(i * OFFSET_BYTES)));
    const first = offsets[0];
    const data = Buffer.from(await this.source.readRange(files.data, first, offsets[offsets.length - 1]));
    const records: PersonDetection[] = [];
    for (let i = 0; i < end - start; i++) {
      const line = data.subarray(offsets[i] - first, offsets[i + 1] - first).toString('utf8');
      records.push(JSON.parse(line) as PersonDetection);
    }
    return records;
  }
}

/** A ByteRangeSource over a local folder. */
export class LocalFolderSource implements ByteRangeSource {
  constructor(private readonly dir: string) {}

  async readRange(name: string, start: number, endExclusive: number): Promise<Uint8Array> {
    const length = endExclusive - start;
    if (length <= 0) return new Uint8Array(0);
    const fh = await open(join(this.dir, name), 'r');
    try {
      const buf = Buffer.alloc(length);
      await readFully(fh, buf, start);
      return buf;
    } finally {
      await fh.close();
    }
  }

  async readAll(name: string): Promise<Uint8Array> {
    return readFile(join(this.dir, name));
  }
}

/** A growable column of numbers, so the writer keeps ~20 bytes per record instead of JS objects. */
class Column<T extends Float64Array | Uint32Array | Float32Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i];
  }
}

class BufferedFileWriter {
  private chunks: Buffer[] = [];
  private pending = 0;
  private closed = false;
  position = 0;
  private constructor(private readonly fh: FileHandle) {}
  static async create(path: string): Promise<BufferedFileWriter> {
    return new BufferedFileWriter(await open(path, 'w'));
  }
  async write(buf: Buffer): Promise<void> {
    this.chunks.push(buf);
    this.pending += buf.length;
    this.position += buf.length;
    if (this.pending >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const all = Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    await this.fh.write(all);
  }
  /** Flushes and closes; the handle is closed even when the flush fails (a full disk). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.discard();
    }
  }
  /** Closes without writing what is buffered (a failed job); safe to call more than once. */
  async discard(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.pending = 0;
    await this.fh.close();
  }
}

export interface ResultsWriterOptions {
  /** Memory for building the INDEX-ordered copy, per pass (default 64 MiB). */
  copyBudgetBytes?: number;
  /** Size of each sequential read of the TIMESTAMP-ordered file (default 4 MiB). */
  readBlockBytes?: number;
}

/**
 * Streams a job's detections to a local folder in the results format. Records must be added in
 * TIMESTAMP order (Timestamp asc, then Index asc) — the order a tracker produces them frame by frame.
 * `confidence` is the detection score, used only to order records within a person in INDEX order.
 * Memory: about 20 bytes per record (for the INDEX sort), never the records themselves.
 */
export class ResultsWriter {
  private readonly offsets = new Column((n) => new Float64Array(n));
  private readonly indices = new Column((n) => new Uint32Array(n));
  private readonly timestamps = new Column((n) => new Float64Array(n));
  private readonly confidences = new Column((n) => new Float32Array(n));
  private lastTimestamp = -Infinity;
  private lastIndex = -1;
  private finished = false;
  /** The INDEX-order file while finish() writes it. */
  private open?: BufferedFileWriter;

  private constructor(
    private readonly dir: string,
    private readonly data: BufferedFileWriter,
    private readonly limits: Required<ResultsWriterOptions>,
  ) {}

  static async create(dir: string, options: ResultsWriterOptions = {}): Promise<ResultsWriter> {
    await mkdir(dir, { recursive: true });
    await rm(join(dir, RESULT_FILES.manifest), { force: true });
    const limits = { copyBudgetBytes: 64 << 20, readBlockBytes: 4 << 20, ...options };
    return new ResultsWriter(dir, await BufferedFileWriter.create(join(dir, RESULT_FILES.TIMESTAMP.data)), limits);
  }

  get count(): number {
    return this.offsets.length;
  }

  async add(detection: PersonDetection, confidence = 1): Promise<void> {
    if (this.finished) throw new Error('ResultsWriter already finished');
    const ts = detection.Timestamp;
    const index = detection.Person?.Index;
    if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) throw new RangeError('Timestamp must be a non-negative integer');
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new RangeError('Person.Index must be a non-negative integer');
    if (ts < this.lastTimestamp || (ts === this.lastTimestamp && index <= this.lastIndex)) {
      throw new RangeError('detections must be added in (Timestamp, Index) order without duplicates');
    }
    this.lastTimestamp = ts;
    this.lastIndex = index;
    this.offsets.push(this.data.position);
    this.indices.push(index);
    this.timestamps.push(ts);
    this.confidences.push(confidence);
    await this.data.write(Buffer.from(JSON.stringify(detection) + '\n', 'utf8'));
  }

  /** Writes the indexes, the INDEX-ordered copy and, last, the manifest (its presence marks completeness). */
  async finish(videoMetadata: VideoMetadata): Promise<ResultsManifest> {
    if (this.finished) throw new Error('ResultsWriter already finished');
    this.finished = true;
    const n = this.count;
    const tsEnd = this.data.position;
    await this.data.close();
    await writeIndex(join(this.dir, RESULT_FILES.TIMESTAMP.index), n, (i) => this.offsets.get(i), tsEnd);
    const out = await BufferedFileWriter.create(join(this.dir, RESULT_FILES.INDEX.data));
    this.open = out;

    const order = Uint32Array.from({ length: n }, (_, i) => i);
    order.sort(
      (a, b) =>
        this.indices.get(a) - this.indices.get(b) ||
        this.confidences.get(b) - this.confidences.get(a) ||
        this.timestamps.get(a) - this.timestamps.get(b),
    );
    const indexOffsets = await this.copyInOrder(order, tsEnd, out);
    const idxEnd = out.position;
    await out.close();
    this.open = undefined;
    await writeIndex(join(this.dir, RESULT_FILES.INDEX.index), n, (k) => indexOffsets[k], idxEnd);

    let persons = 0;
    for (let k = 0; k < n; k++) if (k === 0 || this.indices.get(order[k]) !== this.indices.get(order[k - 1])) persons++;
    const manifest: ResultsManifest = { formatVersion: RESULTS_FORMAT_VERSION, count: n, persons, videoMetadata };
    const tmp = join(this.dir, `${RESULT_FILES.manifest}.tmp`);
    await writeFile(tmp, JSON.stringify(manifest));
    await rename(tmp, join(this.dir, RESULT_FILES.manifest));
    return manifest;
  }

  /**
   * For a job that failed: closes every file this writer holds open and removes what it wrote (the results files, and
   * the folder when nothing else is in it). Never throws; the writer cannot be used afterwards.
   */
  async abort(): Promise<void> {
    this.finished = true;
    await this.data.discard().catch(() => undefined);
    await this.open?.discard().catch(() => undefined);
    this.open = undefined;
    for (const name of [...ALL_RESULT_FILE_NAMES, `${RESULT_FILES.manifest}.tmp`]) {
      await rm(join(this.dir, name), { force: true }).catch(() => undefined);
    }
    await rmdir(this.dir).catch(() => undefined); // only when empty
  }

  /**
   * Copies the records of timestamp.ndjson to `out` in `order` and returns where each landed. Works in a few
   * sequential passes over the source: each pass gathers the next copyBudgetBytes of output in memory, so
   * memory stays bounded and the disk is read in large blocks (one read per record took minutes at 2M records).
   */
  private async copyInOrder(order: Uint32Array, tsEnd: number, out: BufferedFileWriter): Promise<Float64Array> {
    const n = order.length;
    const start = (i: number): number => this.offsets.get(i);
    const end = (i: number): number => (i + 1 < n ? this.offsets.get(i + 1) : tsEnd);
    const dest = new Float64Array(n);
    const rank = new Uint32Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      rank[i] = k;
      dest[k] = total;
      total += end(i) - start(i);
    }
    const src = await open(join(this.dir, RESULT_FILES.TIMESTAMP.data), 'r');
    try {
      for (let k0 = 0; k0 < n; ) {
        let k1 = k0 + 1;
        while (k1 < n && dest[k1] + end(order[k1]) - start(order[k1]) - dest[k0] <= this.limits.copyBudgetBytes) k1++;
        const gathered = Buffer.alloc((k1 < n ? dest[k1] : total) - dest[k0]);
        for (let i0 = 0; i0 < n; ) {
          let i1 = i0 + 1;
          while (i1 < n && end(i1) - start(i0) <= this.limits.readBlockBytes) i1++;
          let wanted = false;
          for (let i = i0; i < i1 && !wanted; i++) wanted = rank[i] >= k0 && rank[i] < k1;
          if (wanted) {
            const block = Buffer.alloc(end(i1 - 1) - start(i0));
            await readFully(src, block, start(i0));
            for (let i = i0; i < i1; i++) {
              const k = rank[i];
              if (k >= k0 && k < k1) block.copy(gathered, dest[k] - dest[k0], start(i) - start(i0), end(i) - start(i0));
            }
          }
          i0 = i1;
        }
        await out.write(gathered);
        k0 = k1;
      }
    } finally {
      await src.close();
    }
    return dest;
  }
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let read = 0; read < buf.length; ) {
    const { bytesRead } = await fh.read(buf, read, buf.length - read, position + read);
    if (bytesRead === 0) throw new Error('results file is shorter than its index');
    read += bytesRead;
  }
}

async function writeIndex(path: string, n: number, offsetOf: (i: number) => number, end: number): Promise<void> {
  const out = await BufferedFileWriter.create(path);
  try {
    const chunk = 65536;
    for (let s = 0; s <= n; s += chunk) {
      const e = Math.min(n + 1, s + chunk);
      const buf = Buffer.alloc((e - s) * OFFSET_BYTES);
      for (let i = s; i < e; i++) buf.writeBigUInt64LE(BigInt(i === n ? end : offsetOf(i)), (i - s) * OFFSET_BYTES);
      await out.write(buf);
    }
  } finally {
    await out.close();
  }
}
