/**
 * What the segment plan needs (core/segment-plan.ts VideoTiming), read from an MP4/MOV file's header without
 * decoding or downloading it: the PlanSegments Lambda reads it from S3 with a few ranged GetObject calls.
 *
 * Rekognition accepts only MP4/MOV (ISO-BMFF, H.264), whose timing lives in the moov box, at the start of the file
 * (faststart) or at its end. We read the head, follow the top-level boxes' sizes (a ranged read of 16 bytes per box
 * outside the head), read moov whole, and let gpac's mp4box parse it. The figures are derived exactly as ffmpeg's
 * mov demuxer and the engine's probe derive them (containers/tracker/src/video/probe.ts), so the plan equals the one
 * `planFor` makes with ffprobe:
 *   - avg_frame_rate = av_reduce(timescale × Σ stts counts, Σ stts count × delta, INT_MAX);
 *   - r_frame_rate   = av_reduce(timescale, first stts delta) when stts has one entry (or a single-sample second);
 *   - fps            = avg unless it is above r × 1.001 (chooseFrameRate);
 *   - duration       = min(mdhd duration, Σ stts count × delta), printed by ffprobe to the microsecond;
 *   - frameCount     = round(duration × fps); DurationMillis = round(duration × 1000).
 * Where the header cannot decide that exactly (not ISO-BMFF, no moov, fragmented, an edit list that trims or has
 * gaps, no video track, moov too large, a VFR file whose r_frame_rate ffmpeg would estimate below its mean rate is
 * the one case it cannot see: it takes the mean, as ffprobe does when the estimate is not lower), the answer is
 * `undecided` with a reason: the job then runs as one unsplit run, and the engine reports a bad file as usual.
 */
import { createFile, Log, MP4BoxBuffer } from 'mp4box';
import type { VideoTiming } from '../segment-plan.js';

// mp4box reports boxes it cannot parse (QuickTime metadata such as '©swr', or any type an untrusted file makes up) on
// console.error, outside the structured log and with text from the file. Whether a header is usable is this module's
// call (`undecided` with a reason), so those reports are dropped; an error the library ties to a file still reaches
// that file's onError. mp4box is used nowhere else.
const reportToFile = Log.error.bind(Log);
Log.error = (module: string, message?: string, isofile?: Parameters<typeof Log.error>[2]) => {
  if (isofile?.onError) reportToFile(module, message, isofile);
};

/** Byte ranges of one stored object (S3 ranged GetObject in AWS: adapters/s3-byte-range.ts). */
export interface ByteRangeSource {
  /** Bytes [offset, offset + length) (fewer at the end of the object) and the object's total size. */
  read(offset: number, length: number): Promise<{ bytes: Uint8Array; size: number }>;
  /** The version tag the reads are pinned to (S3: the ETag, If-Match), once known. */
  etag?(): string | undefined;
}

export type Mp4TimingResult = { timing: VideoTiming; reads: number; bytesRead: number } | { undecided: string; reads: number; bytesRead: number };

export interface Mp4TimingLimits {
  /** First read (bytes): ftyp and, in a faststart file, often all of moov. */
  headBytes: number;
  /** Largest moov read: a 6 h 60 fps file's sample tables come to some 20-30 MB (estimated from their entry sizes); the Lambda has 1 GB. */
  maxMoovBytes: number;
  /** Most top-level boxes walked. */
  maxBoxes: number;
}

export const MP4_TIMING_LIMITS: Mp4TimingLimits = { headBytes: 256 * 1024, maxMoovBytes: 64 * 1024 * 1024, maxBoxes: 64 };

/** Top-level box types an ISO-BMFF/QuickTime file starts with. */
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'pdin', 'styp', 'sidx', 'meta']);

const INT_MAX = 2147483647n;

/** ffmpeg's av_reduce: the fraction num/den, reduced, or its best approximation with terms ≤ max (continued fractions). */
export function reduceRational(num: bigint, den: bigint, max: bigint = INT_MAX): [bigint, bigint] {
  const gcd = (a: bigint, b: bigint): bigint => {
    while (b) [a, b] = [b, a % b];
    return a;
  };
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const negative = num < 0n !== den < 0n;
  num = abs(num);
  den = abs(den);
  const g = gcd(num, den);
  if (g) {
    num /= g;
    den /= g;
  }
  let a0: [bigint, bigint] = [0n, 1n];
  let a1: [bigint, bigint] = [1n, 0n];
  if (num <= max && den <= max) {
    a1 = [num, den];
    den = 0n;
  }
  while (den) {
    let x = num / den;
    const nextDen = num - den * x;
    const a2n = x * a1[0] + a0[0];
    const a2d = x * a1[1] + a0[1];
    if (a2n > max || a2d > max) {
      if (a1[0]) x = (max - a0[0]) / a1[0];
      if (a1[1]) {
        const y = (max - a0[1]) / a1[1];
        if (y < x) x = y;
      }
      if (den * (2n * x * a1[1] + a0[1]) > num * a1[1]) a1 = [x * a1[0] + a0[0], x * a1[1] + a0[1]];
      break;
    }
    a0 = a1;
    a1 = [a2n, a2d];
    num = den;
    den = nextDen;
  }
  return [negative ? -a1[0] : a1[0], a1[1]];
}

const rate = ([n, d]: [bigint, bigint]): number => (d === 0n ? 0 : Number(n) / Number(d));

interface TrakBox {
  tkhd?: { track_id: number };
  samples?: Mp4Sample[];
  edts?: { elst?: { entries: Array<{ segment_duration: number; media_time: number; media_rate_integer: number; media_rate_fraction: number }> } };
  mdia?: {
    hdlr?: { handler: string };
    mdhd?: { timescale: number; duration: number };
    minf?: { stbl?: { stts?: { sample_counts: number[]; sample_deltas: number[] }; stsd?: { entries?: Array<{ type: string }> } } };
  };
}

/** The timing from a parsed moov (and the movie timescale), or why it cannot be decided. */
export function timingFromMoov(moov: { mvhd?: { timescale: number }; mvex?: unknown; traks?: TrakBox[] }): VideoTiming | string {
  if (moov.mvex) return 'fragmented MP4 (mvex)';
  const trak = (moov.traks ?? []).find((t) => t.mdia?.hdlr?.handler === 'vide');
  if (!trak) return 'no video track';
  const mdhd = trak.mdia?.mdhd;
  const stts = trak.mdia?.minf?.stbl?.stts;
  if (!mdhd || !(mdhd.timescale > 0) || !(mdhd.duration > 0)) return 'no media duration';
  if (!stts || stts.sample_counts.length === 0) return 'no sample timing (stts)';
  if ((trak.mdia?.minf?.stbl?.stsd?.entries ?? []).length === 0) return 'no sample description';
  let total = 0n;
  let frames = 0n;
  for (let i = 0; i < stts.sample_counts.length; i++) {
    const count = BigInt(stts.sample_counts[i]);
    const delta = stts.sample_deltas[i];
    // ffmpeg corrects negative (≥ 2^31) and huge deltas; those files are left to the engine.
    if (!(delta >= 0 && delta < 2 ** 31)) return 'a sample duration out of range';
    total += count * BigInt(delta);
    frames += count;
  }
  if (total <= 0n || frames <= 0n) return 'no sample durations';
  const timescale = BigInt(mdhd.timescale);
  const duration = BigInt(mdhd.duration) < total ? BigInt(mdhd.duration) : total;
  const entries = trak.edts?.elst?.entries ?? [];
  if (entries.length > 1) return 'an edit list of more than one entry';
  if (entries.length === 1) {
    const e = entries[0];
    const movieScale = moov.mvhd?.timescale ?? 0;
    if (!(movieScale > 0)) return 'no movie timescale';
    if (e.media_time < 0 || e.media_rate_integer !== 1 || e.media_rate_fraction !== 0) return 'an edit list with a gap or a rate';
    // av_rescale (round to nearest) of the edit's length into the track's timescale: it must not cut the media.
    const seg = (BigInt(e.segment_duration) * timescale * 2n + BigInt(movieScale)) / (2n * BigInt(movieScale));
    if (seg < duration) return 'an edit list that trims the media';
  }
  const avg = rate(reduceRational(timescale * frames, total));
  const single = stts.sample_counts.length === 1 || (stts.sample_counts.length === 2 && stts.sample_counts[1] === 1);
  const r = single && stts.sample_deltas[0] > 0 ? rate(reduceRational(timescale, BigInt(stts.sample_deltas[0]))) : 0;
  // containers/tracker/src/video/probe.ts chooseFrameRate, with r unknown (ffmpeg estimates it) taken as not lower.
  const fps = avg > 0 && (r === 0 || avg <= r * 1.001) ? avg : r > 0 && r < 1000 ? r : avg;
  if (!(fps > 0)) return 'no frame rate';
  // ffprobe prints the stream duration (duration × av_q2d(1/timescale)) to the microsecond; the probe parses that.
  const durSec = Number((Number(duration) * (1 / Number(timescale))).toFixed(6));
  const estimated = Math.round(durSec * fps);
  const frameCount = estimated > 0 ? estimated : Number(frames);
  return { fps, frameCount, durationMillis: Math.round(durSec * 1000) };
}

/** A top-level box header: its type, where its payload ends, and its full size. */
function boxAt(bytes: Uint8Array, at: number, fileSize: number, offset: number): { type: string; size: number } | undefined {
  if (at + 8 > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = view.getUint32(at);
  const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
  if (size === 1) {
    if (at + 16 > bytes.length) return undefined;
    size = Number(view.getBigUint64(at + 8));
  } else if (size === 0) size = fileSize - offset;
  return { type, size };
}

/** A parsed MP4/MOV header: moov (mp4box's boxes, sample tables built) and where ftyp and moov lie in the file. */
export interface Mp4Header {
  moov: Parameters<typeof timingFromMoov>[0];
  /** [offset, length] of ftyp (when the file has one) and moov, and of every other top-level box's header. */
  boxes: Array<[number, number]>;
  size: number;
}

/** One sample as mp4box lists it: absolute byte offset, size, decode time (track timescale), sync flag. */
export interface Mp4Sample {
  offset: number;
  size: number;
  dts: number;
  timescale: number;
  is_sync: boolean;
}

export type Mp4HeaderResult = ({ header: Mp4Header } | { undecided: string }) & { reads: number; bytesRead: number };

/**
 * Reads `src`'s header: the head, 16 bytes per top-level box beyond it, and moov, parsed by mp4box; or why it
 * cannot (not ISO-BMFF, no moov, fragmented, too large).
 */
export async function readMp4Header(src: ByteRangeSource, limits: Mp4TimingLimits = MP4_TIMING_LIMITS): Promise<Mp4HeaderResult> {
  let reads = 0;
  let bytesRead = 0;
  const read = async (offset: number, length: number) => {
    const out = await src.read(offset, length);
    reads++;
    bytesRead += out.bytes.length;
    return out;
  };
  const undecided = (why: string): Mp4HeaderResult => ({ undecided: why, reads, bytesRead });
  const head = await read(0, limits.headBytes);
  const fileSize = head.size;
  let ftyp: Uint8Array | undefined;
  let moov: Uint8Array | undefined;
  const boxes: Array<[number, number]> = [];
  let offset = 0;
  // Every top-level box is walked (a sparse copy needs each one's header, e.g. mdat's); only ftyp and moov are read.
  for (let n = 0; n < limits.maxBoxes && offset < fileSize; n++) {
    // The header from the head when it is there, else 16 bytes read at the box (size, type, 64-bit size).
    const header = boxAt(head.bytes, offset, fileSize, offset) ?? boxAt((await read(offset, 16)).bytes, 0, fileSize, offset);
    const valid = header && /^[\x20-\x7e©]{4}$/.test(header.type) && header.size >= 8 && offset + header.size <= fileSize;
    // Past moov, what follows (padding, a damaged tail) is ffmpeg's concern, as in a whole-file probe: stop there.
    if (!valid && moov) break;
    if (!header) return undecided('a box header past the end of the file');
    const { type, size } = header;
    if (!/^[\x20-\x7e©]{4}$/.test(type)) return undecided('not an MP4/MOV file (no ISO-BMFF boxes)');
    if (n === 0 && !FIRST_BOXES.has(type)) return undecided('not an MP4/MOV file (no ISO-BMFF boxes)');
    if (size < 8 || offset + size > fileSize) return undecided(`a ${type} box larger than the file`);
    if (type === 'moof') return undecided('fragmented MP4 (moof)');
    if (type === 'ftyp' || type === 'moov') {
      if (size > limits.maxMoovBytes) return undecided(`a ${type} box over ${limits.maxMoovBytes} bytes`);
      const bytes = offset + size <= head.bytes.length ? head.bytes.subarray(offset, offset + size) : (await read(offset, size)).bytes;
      if (bytes.length !== size) return undecided(`a ${type} box cut short`);
      if (type === 'ftyp') ftyp = bytes;
      else if (!moov) moov = bytes;
      boxes.push([offset, size]);
    } else boxes.push([offset, Math.min(size, 16)]);
    offset += size;
  }
  if (!moov) return undecided('no moov box');
  // QuickTime files may have no ftyp; mp4box needs one to report: a neutral 'qt  ' brand.
  const brand = ftyp ?? new Uint8Array([0, 0, 0, 16, 0x66, 0x74, 0x79, 0x70, 0x71, 0x74, 0x20, 0x20, 0, 0, 0, 0]);
  const joined = new Uint8Array(brand.length + moov.length);
  joined.set(brand, 0);
  joined.set(moov, brand.length);
  const file = createFile();
  let parseError: string | undefined;
  file.onError = (_module: string, message: string) => {
    parseError = message;
  };
  try {
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(joined.buffer, 0));
    file.flush();
  } catch {
    return undecided('moov could not be parsed');
  }
  const parsed = (file as unknown as { moov?: Mp4Header['moov'] }).moov;
  if (parseError || !parsed) return undecided('moov could not be parsed');
  return { header: { moov: parsed, boxes, size: fileSize }, reads, bytesRead };
}

/** Reads `src`'s header and answers the plan's timing, or why it cannot (the caller then runs the video unsplit). */
export async function readMp4Timing(src: ByteRangeSource, limits: Mp4TimingLimits = MP4_TIMING_LIMITS): Promise<Mp4TimingResult> {
  const result = await readMp4Header(src, limits);
  const { reads, bytesRead } = result;
  if ('undecided' in result) return { undecided: result.undecided, reads, bytesRead };
  const timing = timingFromMoov(result.header.moov);
  return typeof timing === 'string' ? { undecided: timing, reads, bytesRead } : { timing, reads, bytesRead };
}

/** Bytes of mdat ffprobe may read from the start of the data to probe the streams (its probesize, 5,000,000, with room). */
export const PROBE_BYTES = 6 * 1024 * 1024;

/**
 * The byte ranges a range run of source frames [startFrame, endFrame) needs from the file, for a sparse local copy:
 * ftyp and moov, the first PROBE_BYTES of sample data (ffprobe's probe reads them, so the copy probes as the whole file
 * does), and every track's samples from the video keyframe a margin before the range's first frame to a margin past
 * its end (by decode time: interleaved audio and B-frame reordering included). Undefined where that cannot be told
 * from the header: no video track, a variable frame rate (frame numbers are not sample numbers there), an edit list.
 * Ranges are [offset, length], sorted and merged.
 */
export function mp4RangeBytes(header: Mp4Header, range: { startFrame: number; endFrame?: number }, marginSec = 2): Array<[number, number]> | undefined {
  const traks = header.moov.traks ?? [];
  const video = traks.find((t) => t.mdia?.hdlr?.handler === 'vide');
  const stts = video?.mdia?.minf?.stbl?.stts;
  const samples = video?.samples;
  if (!video || !samples || samples.length === 0 || !stts || stts.sample_counts.length !== 1) return undefined;
  const scale = samples[0].timescale;
  const delta = stts.sample_deltas[0];
  if (!(scale > 0 && delta > 0)) return undefined;
  // An edit list may shift presentation by the decoder delay (B-frames); more than the margin's half is left alone.
  const entries = video.edts?.elst?.entries ?? [];
  if (entries.length > 1 || entries.some((e) => e.media_time < 0 || e.media_time / scale > marginSec / 2)) return undefined;
  const fps = scale / delta;
  const margin = Math.ceil(marginSec * fps) + 16;
  // The keyframe at or before a margin ahead of the first frame (decode order ≈ frame order for constant rate).
  let first = Math.max(0, Math.min(samples.length - 1, range.startFrame - margin));
  while (first > 0 && !samples[first].is_sync) first--;
  const last = range.endFrame === undefined ? samples.length - 1 : Math.min(samples.length - 1, range.endFrame + margin);
  const t0 = samples[first].dts / scale - marginSec;
  const t1 = (samples[last].dts + delta) / scale + marginSec;
  let lo = Infinity;
  let hi = -Infinity;
  let dataStart = Infinity;
  for (const t of traks) {
    for (const s of t.samples ?? []) {
      dataStart = Math.min(dataStart, s.offset);
      const time = s.dts / s.timescale;
      if (time < t0 || time > t1) continue;
      lo = Math.min(lo, s.offset);
      hi = Math.max(hi, s.offset + s.size);
    }
  }
  if (!(hi > lo)) return undefined;
  const ranges: Array<[number, number]> = [...header.boxes, [dataStart, Math.min(PROBE_BYTES, header.size - dataStart)], [lo, hi - lo]];
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [o, l] of ranges) {
    const prev = merged.at(-1);
    if (prev && o <= prev[0] + prev[1]) prev[1] = Math.max(prev[1], o + l - prev[0]);
    else merged.push([o, l]);
  }
  return merged;
}
