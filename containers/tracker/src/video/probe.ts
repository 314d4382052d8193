/**
 * probeVideo: what the engine knows about an input before decoding it, and Rekognition's VideoMetadata
 * (spec §3.3/§7: ffprobe codec_name, format_long_name, frame rate, duration, size, color_range).
 *
 * Inputs are a video file (anything ffmpeg reads) or a MOTChallenge sequence folder (seqinfo.ini + img1/).
 * Failures are EngineErrors with a user-facing message, raised before any decoding starts.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { VideoMetadata } from '../../../../core/types.js';
import { EngineError, MAX_DURATION_MS, tooLong } from '../errors.js';
import { ffprobeBinary, imageSequenceInput, refusedContainer, videoFileInput } from './ffmpeg-input.js';

export { ffmpegFileUrl } from './ffmpeg-input.js';

export interface SequenceInfo {
  /** Folder holding the frames. */
  dir: string;
  /** ffmpeg image2 pattern, e.g. /data/PETS09-S2L1/img1/%06d.jpg */
  pattern: string;
  /** Number in the first frame's file name (MOTChallenge: 1). */
  firstNumber: number;
  length: number;
}

/** VideoMetadata (all wire members set) plus what the engine needs to decode. */
export interface ProbedVideo extends VideoMetadata {
  Codec: string;
  DurationMillis: number;
  Format: string;
  FrameRate: number;
  FrameHeight: number;
  FrameWidth: number;
  ColorRange: 'FULL' | 'LIMITED';
  input: string;
  isSequence: boolean;
  /** Frames in the video: the container's count when it has one, else duration × frame rate. */
  frameCount: number;
  /** Frame rate as a plain number (FrameRate is rounded to float32 like Rekognition's). */
  fps: number;
  /** The container's own frame count (nb_frames), when it has one; AVI may count empty packets too. */
  containerFrames?: number;
  /** Present for MOTChallenge sequences. */
  sequence?: SequenceInfo;
  /** Stream time base [num, den]: a frame's time is pts × num / den. */
  timeBase?: [number, number];
  /** Clockwise rotation ffmpeg applies when decoding (display matrix); FrameWidth/Height are after it. */
  rotation: number;
}

/** Only the wire members, in Rekognition's member order. */
export function toVideoMetadata(p: ProbedVideo): VideoMetadata {
  return {
    Codec: p.Codec,
    DurationMillis: p.DurationMillis,
    Format: p.Format,
    FrameRate: p.FrameRate,
    FrameHeight: p.FrameHeight,
    FrameWidth: p.FrameWidth,
    ColorRange: p.ColorRange,
  };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  color_range?: string;
  pix_fmt?: string;
  duration?: string;
  nb_frames?: string;
  time_base?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ rotation?: number }>;
}
interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; format_long_name?: string; duration?: string };
}

const FFPROBE_TIMEOUT_MS = 60_000;

function runFfprobe(args: string[]): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobeBinary(),
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...args],
      { timeout: FFPROBE_TIMEOUT_MS, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            reject(new EngineError('DECODE_FAILED', 'ffprobe is not installed (the engine needs ffmpeg and ffprobe on PATH)'));
            return;
          }
          const refused = refusedContainer(String(stderr));
          if (refused) {
            reject(new EngineError('INVALID_VIDEO', `not a readable video: ${refused}`));
            return;
          }
          const detail = lastLine(String(stderr)) || err.message;
          reject(new EngineError('INVALID_VIDEO', `not a readable video: ${detail}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as FfprobeOutput);
        } catch {
          reject(new EngineError('INVALID_VIDEO', 'not a readable video: ffprobe gave no usable answer'));
        }
      },
    );
  });
}

/** ffprobe's error lines without addresses and file paths (the user knows which file they gave), de-duplicated. */
function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').replace(/^.*?: (?=[A-Z])/, '').trim())
    .filter(Boolean);
  return [...new Set(lines)].slice(-3).join('; ');
}

export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  const v = d === undefined ? n : d === 0 ? 0 : n / d;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * The stream's frame rate. avg_frame_rate is the true mean for variable-rate phone videos (whose r_frame_rate is
 * a time-base guess); but some AVI muxers report an avg_frame_rate double the real one (counting empty packets),
 * which shows as avg > r. So: avg when it is not above r, else r.
 */
export function chooseFrameRate(s: FfprobeStream): number {
  const avg = parseRate(s.avg_frame_rate);
  const r = parseRate(s.r_frame_rate);
  if (avg > 0 && (r === 0 || avg <= r * 1.001)) return avg;
  if (r > 0 && r < 1000) return r;
  return avg;
}

function colorRange(s: FfprobeStream): 'FULL' | 'LIMITED' {
  if (s.color_range === 'pc' || s.color_range === 'jpeg') return 'FULL';
  if (s.color_range === 'tv' || s.color_range === 'mpeg') return 'LIMITED';
  // Unspecified: JPEG-style (yuvj*) and RGB/grey pixel formats are full range; video YUV is limited.
  const pf = s.pix_fmt ?? '';
  return pf.startsWith('yuvj') || /^(rgb|bgr|gbr|gray|argb|abgr|rgba|bgra)/.test(pf) ? 'FULL' : 'LIMITED';
}

function rotationOf(s: FfprobeStream): number {
  let deg = 0;
  for (const sd of s.side_data_list ?? []) if (typeof sd.rotation === 'number') deg = sd.rotation;
  if (!deg && s.tags?.rotate) deg = -Number(s.tags.rotate);
  const r = ((Math.round(deg) % 360) + 360) % 360;
  return Number.isFinite(r) ? r : 0;
}

async function exists(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

export function parseIni(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('[') || line.startsWith(';') || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

async function probeSequence(dir: string): Promise<ProbedVideo> {
  const iniPath = join(dir, 'seqinfo.ini');
  if ((await exists(iniPath)) !== 'file') {
    throw new EngineError('INVALID_VIDEO', `${basename(dir)} is a folder but not a MOTChallenge sequence (no seqinfo.ini)`);
  }
  const ini = parseIni(await readFile(iniPath, 'utf8'));
  const imDir = join(dir, ini.imDir || 'img1');
  const imExt = ini.imExt || '.jpg';
  const fps = Number(ini.frameRate);
  if (!(fps > 0)) throw new EngineError('INVALID_VIDEO', `seqinfo.ini of ${basename(dir)} has no valid frameRate`);
  let names: string[];
  try {
    names = (await readdir(imDir)).filter((n) => n.endsWith(imExt) && /^\d+$/.test(n.slice(0, -imExt.length)));
  } catch {
    throw new EngineError('NOT_FOUND', `sequence ${basename(dir)} has no frame folder ${ini.imDir || 'img1'}`);
  }
  if (names.length === 0) throw new EngineError('INVALID_VIDEO', `sequence ${basename(dir)} has no ${imExt} frames`);
  names.sort();
  const digits = names[0].length - imExt.length;
  const firstNumber = Number(names[0].slice(0, digits));
  const length = Number(ini.seqLength) > 0 ? Math.min(Number(ini.seqLength), names.length) : names.length;
  const pattern = join(imDir, `%0${digits}d${imExt}`);
  const out = await runFfprobe(imageSequenceInput(pattern, { framerate: fps, startNumber: firstNumber }));
  const s = (out.streams ?? []).find((x) => x.codec_type === 'video');
  const width = Number(ini.imWidth) || s?.width || 0;
  const height = Number(ini.imHeight) || s?.height || 0;
  if (!s || !(width > 0 && height > 0)) throw new EngineError('INVALID_VIDEO', `the frames of ${basename(dir)} are not readable images`);
  return {
    Codec: s.codec_name ?? 'unknown',
    DurationMillis: Math.round((length / fps) * 1000),
    Format: out.format?.format_long_name ?? 'image2 sequence',
    FrameRate: Math.fround(fps),
    FrameHeight: height,
    FrameWidth: width,
    ColorRange: colorRange(s),
    input: dir,
    isSequence: true,
    frameCount: length,
    fps,
    sequence: { dir: imDir, pattern, firstNumber, length },
    rotation: 0,
  };
}

export interface ProbeOptions {
  /** Longest video accepted (default MAX_DURATION_MS, 6 h); tests inject a short one. */
  maxDurationMs?: number;
}

/** Probes a video file or MOTChallenge sequence folder; throws EngineError for anything the engine cannot process. */
export async function probeVideo(input: string, options: ProbeOptions = {}): Promise<ProbedVideo> {
  const kind = await exists(input);
  if (!kind) throw new EngineError('NOT_FOUND', `input not found: ${input}`);
  const probed = kind === 'dir' ? await probeSequence(input) : await probeFile(input);
  const limit = options.maxDurationMs ?? MAX_DURATION_MS;
  if (probed.DurationMillis > limit) throw tooLong(probed.DurationMillis, limit);
  return probed;
}

/**
 * The end of the video stream from its packets (max pts + duration), in seconds, for containers whose header holds no
 * duration (Matroska written live, some AVI): a demux-only pass, no decoding. 0 when the packets carry no timestamps.
 */
export function streamEndSec(path: string, timeBase: [number, number] | undefined): Promise<number> {
  return new Promise((resolveEnd, reject) => {
    const child = spawn(
      ffprobeBinary(),
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts,duration', '-of', 'csv=p=0', ...videoFileInput(path)],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let end = 0;
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const [pts, dur] = line.split(',').map(Number);
      if (Number.isFinite(pts)) end = Math.max(end, pts + (Number.isFinite(dur) ? dur : 0));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), FFPROBE_TIMEOUT_MS * 5);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new EngineError('DECODE_FAILED', `could not run ffprobe: ${e.message}`));
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolveEnd(timeBase ? (end * timeBase[0]) / timeBase[1] : 0);
    });
  });
}

async function probeFile(input: string): Promise<ProbedVideo> {
  const out = await runFfprobe(videoFileInput(input));
  const s = (out.streams ?? []).find((x) => x.codec_type === 'video' && !x.disposition?.attached_pic);
  if (!s) throw new EngineError('INVALID_VIDEO', 'not a readable video: the file has no video stream');
  if (!(Number(s.width) > 0 && Number(s.height) > 0)) {
    throw new EngineError('INVALID_VIDEO', 'not a readable video: the video stream has no picture size');
  }
  const fps = chooseFrameRate(s);
  if (!(fps > 0)) throw new EngineError('INVALID_VIDEO', 'not a readable video: no frame rate');
  const tbParts = (s.time_base ?? '').split('/').map(Number);
  const tb: [number, number] | undefined =
    tbParts.length === 2 && tbParts[0] > 0 && tbParts[1] > 0 ? [tbParts[0], tbParts[1]] : undefined;
  let durSec = Number(s.duration) > 0 ? Number(s.duration) : Number(out.format?.duration) > 0 ? Number(out.format?.duration) : 0;
  // No duration in the header: measure it from the stream, so DurationMillis, the 6 h limit and the deadline hold.
  if (!(durSec > 0)) durSec = await streamEndSec(input, tb);
  const nb = Number(s.nb_frames) > 0 ? Number(s.nb_frames) : 0;
  const estimated = Math.round(durSec * fps);
  const rotation = rotationOf(s);
  const swap = rotation === 90 || rotation === 270;
  const width = Number(s.width);
  const height = Number(s.height);
  return {
    Codec: s.codec_name ?? 'unknown',
    DurationMillis: Math.round(durSec * 1000),
    Format: out.format?.format_long_name ?? out.format?.format_name ?? 'unknown',
    FrameRate: Math.fround(fps),
    FrameHeight: swap ? width : height,
    FrameWidth: swap ? height : width,
    ColorRange: colorRange(s),
    input,
    isSequence: false,
    frameCount: estimated > 0 ? estimated : nb,
    fps,
    rotation,
    ...(nb > 0 ? { containerFrames: nb } : {}),
    ...(tb ? { timeBase: tb } : {}),
  };
}
