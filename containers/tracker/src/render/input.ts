/**
 * Render inputs: a video file (anything ffmpeg reads) or a MOTChallenge sequence folder (seqinfo.ini + img1/),
 * probed with ffprobe, and decoded by ffmpeg into raw RGBA frames streamed one at a time.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegBinary, ffprobeBinary, imageSequenceInput, refusedContainer, videoFileInput } from '../video/ffmpeg-input.js';

const execFileAsync = promisify(execFile);

/** ffprobe with its JSON answer, or an Error whose message says why the input is not a video (never the raw stack). */
async function ffprobeJson(args: string[], what: string): Promise<string> {
  try {
    return (await execFileAsync(ffprobeBinary(), ['-v', 'error', ...args], { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    const reason = refusedContainer(stderr) ?? (stderr.trim().split('\n').pop() || (err as Error).message);
    throw new Error(`${what} is not a readable video: ${reason}`);
  }
}

export interface RenderInput {
  width: number;
  height: number;
  /** Frames per second as ffmpeg writes it (e.g. "30000/1001", "7"). */
  rate: string;
  fps: number;
  /** ffmpeg arguments that open the input (before `-i` options included; ffmpeg-input.ts's restrictions applied). */
  args: string[];
  /** MOTChallenge sequence: ffmpeg arguments that open the image of frame n (1-based) alone. */
  sequenceFrame?: (n: number) => string[];
  /** Frame count when known up front (sequences, most containers). */
  frameCount?: number;
  durationSec?: number;
}

export async function openInput(path: string): Promise<RenderInput> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new Error(`input not found: ${path}`);
  if (st.isDirectory()) return openSequence(path);
  const stdout = await ffprobeJson([
    '-select_streams', 'v:0', '-show_entries',
    'stream=width,height,r_frame_rate,avg_frame_rate,nb_frames:stream_side_data=rotation:format=duration', '-of', 'json', ...videoFileInput(path),
  ], path);
  const probe = JSON.parse(stdout) as {
    streams?: {
      width?: number;
      height?: number;
      r_frame_rate?: string;
      avg_frame_rate?: string;
      nb_frames?: string;
      side_data_list?: { rotation?: number }[];
    }[];
    format?: { duration?: string };
  };
  const s = probe.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`no video stream in ${path}`);
  const rate = [s.avg_frame_rate, s.r_frame_rate].find((r) => r && rateValue(r) > 0 && rateValue(r) < 1000) ?? '25';
  const n = Number(s.nb_frames);
  const duration = Number(probe.format?.duration);
  // ffmpeg applies the display rotation when decoding (as the engine does): a quarter turn swaps the sides.
  const rotation = Math.abs(Number(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0)) % 180;
  const quarter = rotation === 90;
  return {
    width: quarter ? s.height : s.width,
    height: quarter ? s.width : s.height,
    rate,
    fps: rateValue(rate),
    args: videoFileInput(path),
    frameCount: Number.isFinite(n) && n > 0 ? n : undefined,
    durationSec: Number.isFinite(duration) && duration > 0 ? duration : undefined,
  };
}

async function openSequence(dir: string): Promise<RenderInput> {
  const ini = parseIni(await readFile(join(dir, 'seqinfo.ini'), 'utf8').catch(() => {
    throw new Error(`${dir} is a folder but not a MOTChallenge sequence (no seqinfo.ini)`);
  }));
  const rate = ini.frameRate ?? '25';
  const imDir = ini.imDir ?? 'img1';
  const ext = ini.imExt ?? '.jpg';
  const pattern = join(dir, imDir, `%06d${ext}`);
  const length = Number(ini.seqLength);
  let width = Number(ini.imWidth);
  let height = Number(ini.imHeight);
  const first = join(dir, imDir, `${'1'.padStart(6, '0')}${ext}`);
  if (!(width > 0 && height > 0)) {
    const stdout = await ffprobeJson(['-show_entries', 'stream=width,height', '-of', 'csv=p=0', ...imageSequenceInput(first)], first);
    [width, height] = stdout.trim().split(',').map(Number);
  }
  const fps = rateValue(rate);
  return {
    width,
    height,
    rate,
    fps,
    args: imageSequenceInput(pattern, { framerate: rate, startNumber: 1 }),
    sequenceFrame: (n) => imageSequenceInput(join(dir, imDir, `${String(n).padStart(6, '0')}${ext}`)),
    frameCount: length > 0 ? length : undefined,
    durationSec: length > 0 ? length / fps : undefined,
  };
}

export function parseIni(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export function rateValue(rate: string): number {
  const [n, d] = rate.split('/').map(Number);
  const v = d ? n / d : n;
  return Number.isFinite(v) ? v : 0;
}

/**
 * Streams the input's frames as RGBA buffers (each exactly width·height·4 bytes; the buffer is reused between
 * frames, so copy it to keep it), in decode order, every frame passed through (no frame-rate conversion).
 */
export async function* decodeRgba(input: RenderInput, extraArgs: string[] = []): AsyncGenerator<Uint8Array> {
  const frameSize = input.width * input.height * 4;
  const ff = spawn(ffmpegBinary(), ['-v', 'error', '-nostdin', ...input.args, ...extraArgs, '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  ff.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const exited = new Promise<number>((res) => ff.on('close', (code) => res(code ?? 1)));
  const frame = new Uint8Array(frameSize);
  let filled = 0;
  try {
    for await (const chunk of ff.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(frameSize - filled, chunk.length - off);
        frame.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === frameSize) {
          yield frame;
          filled = 0;
        }
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg could not decode the input: ${refusedContainer(stderr) ?? stderr.trim().split('\n').slice(-3).join(' ')}`);
  } finally {
    if (ff.exitCode === null) ff.kill('SIGKILL');
  }
}

/** Picks the frame in the middle of the input (people have usually entered by then) as RGBA. */
export async function representativeFrame(input: RenderInput): Promise<Uint8Array> {
  let source: RenderInput = input;
  if (input.sequenceFrame) {
    const n = Math.max(1, Math.ceil((input.frameCount ?? 1) / 2));
    source = { ...input, args: input.sequenceFrame(n) };
  } else if (input.durationSec) {
    source = { ...input, args: ['-ss', (input.durationSec / 2).toFixed(3), ...input.args] };
  }
  for await (const frame of decodeRgba(source, ['-frames:v', '1'])) return Uint8Array.from(frame);
  // Seeking past the end of a short or odd file gives nothing: fall back to its first frame.
  for await (const frame of decodeRgba(input, ['-frames:v', '1'])) return Uint8Array.from(frame);
  throw new Error('the input has no frames');
}
