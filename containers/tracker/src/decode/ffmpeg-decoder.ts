/**
 * Streaming decode with an ffmpeg child process: never the whole video in memory.
 *
 * One ffmpeg run selects the analysed frames (every `step`-th), scales and pads them to the detector input
 * (letterbox, packed BGR24) on stdout, and, when asked, also writes a full-frame BGR copy (capped width) of the
 * same frames to an extra pipe (fd 3) from a `split` of the same decode. Presentation times come from a
 * `showinfo` filter on stderr, paired with the frames in order. A bounded queue gives backpressure: when the
 * consumer (detection) falls behind, the pipes are paused and ffmpeg blocks, so memory stays flat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { EngineError, MAX_DURATION_MS, tooLong, UNDECODABLE_VIDEO } from '../errors.js';
import type { FrameImage } from '../frame.js';
import { ffmpegBinary, imageSequenceInput, refusedContainer, videoFileInput } from '../video/ffmpeg-input.js';
import type { ProbedVideo } from '../video/probe.js';
import { rangeArgs, rangeFrameCount, type SourceRange } from '../pipeline/segments.js';
import { letterboxFilter, letterboxGeometry, type LetterboxGeometry, type LetterboxSpec } from './letterbox.js';

export interface DecodedFrame {
  /** 0-based position among the analysed frames. */
  index: number;
  /** 0-based frame number in the source (MOTChallenge frame number = sourceIndex + 1). */
  sourceIndex: number;
  /** Presentation time in seconds from the start of the video. */
  timeSec: number;
  /** Detector input: packed BGR24, letterbox.width × letterbox.height. */
  input: Uint8Array;
  /** Full frame (source resolution, width capped), when fullFrameMaxWidth was set. */
  full?: FrameImage;
}

export type HwAccel = 'auto' | 'cuda' | 'none';

export interface DecoderOptions {
  video: ProbedVideo;
  letterbox: LetterboxSpec;
  /** Analyse every `step`-th source frame (1 = every frame). */
  step: number;
  /** Deliver a full-frame BGR image too, at most this wide (off when undefined). */
  fullFrameMaxWidth?: number;
  hwaccel?: HwAccel;
  signal?: AbortSignal;
  /** Decoded frames held ahead of the consumer (default 4). */
  maxQueue?: number;
  /** Fail when ffmpeg produces nothing for this long while the consumer waits (default 120 s). */
  stallTimeoutMs?: number;
  /**
   * Stop and fail (TOO_LONG) once a frame's presentation time passes this (default MAX_DURATION_MS, 6 h): the limit
   * holds on what is decoded, whatever the header claimed.
   */
  maxDurationMs?: number;
  /**
   * Decode only source frames [startFrame, endFrame) (startFrame a multiple of `step`): the same frames, times and
   * source indexes an unsplit run gives there (pipeline/segments.ts rangeArgs).
   */
  range?: SourceRange;
}

export interface DecoderStats {
  frames: number;
  /** CPU time of the ffmpeg process (user + system), when /proc is readable; else undefined. */
  cpuMs?: number;
  /** Time the consumer spent waiting for the next frame. */
  waitMs: number;
  hwaccel: 'cuda' | 'none';
}

const CLK_TCK = 100;

/**
 * A frame's time from showinfo's pts (exact, in the stream time base) — pts_time is printed with only 6
 * significant digits, too coarse after ~3 hours — checked against pts_time in case the filter time base differs.
 */
export function frameTime(pts: string, ptsTime: string, timeBase: [number, number] | undefined, fallback: number): number {
  const t = Number(ptsTime);
  const p = Number(pts);
  if (timeBase && Number.isFinite(p)) {
    const exact = (p * timeBase[0]) / timeBase[1];
    if (!Number.isFinite(t) || Math.abs(exact - t) <= Math.abs(t) * 1e-5 + 1e-6) return Math.max(0, exact);
  }
  return Number.isFinite(t) ? Math.max(0, t) : fallback;
}

/** True when an NVIDIA GPU is visible to this process. */
export function gpuPresent(): boolean {
  return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0');
}

/** Number of source frames between analysed frames (Rekognition samples at ~15 Hz): core's, which the plan uses too. */
export { analysisStep } from '../../../../core/segment-plan.js';

export function fullFrameSize(width: number, height: number, maxWidth: number): { width: number; height: number } {
  if (width <= maxWidth) return { width, height };
  const w = Math.max(2, Math.floor(maxWidth / 2) * 2);
  return { width: w, height: Math.max(2, Math.round((height * w) / width / 2) * 2) };
}

interface Pending {
  input?: Uint8Array;
  full?: Uint8Array;
  timeSec?: number;
}

export class FrameDecoder implements AsyncIterable<DecodedFrame> {
  readonly geometry: LetterboxGeometry;
  readonly fullSize?: { width: number; height: number };
  readonly stats: DecoderStats;
  private readonly opts: DecoderOptions;

  constructor(opts: DecoderOptions) {
    this.opts = opts;
    const v = opts.video;
    this.geometry = letterboxGeometry(v.FrameWidth, v.FrameHeight, opts.letterbox);
    if (opts.fullFrameMaxWidth) this.fullSize = fullFrameSize(v.FrameWidth, v.FrameHeight, opts.fullFrameMaxWidth);
    const hw = opts.hwaccel ?? 'auto';
    this.stats = { frames: 0, waitMs: 0, hwaccel: hw === 'cuda' || (hw === 'auto' && !v.isSequence && gpuPresent()) ? 'cuda' : 'none' };
  }

  /** The ffmpeg arguments (exposed for tests and logs). */
  args(hwaccel: 'cuda' | 'none' = this.stats.hwaccel): string[] {
    const { video: v, step, letterbox } = this.opts;
    const input: string[] = [];
    const range = this.opts.range ? rangeArgs(v, step, this.opts.range) : undefined;
    if (v.sequence) {
      input.push(...imageSequenceInput(v.sequence.pattern, { framerate: v.fps, startNumber: v.sequence.firstNumber + this.firstFrame }));
    } else {
      if (hwaccel === 'cuda') input.push('-hwaccel', 'cuda');
      input.push(...(range?.seek ?? []), ...videoFileInput(v.input));
    }
    const pre = range?.select ?? (step > 1 ? `select='not(mod(n\\,${step}))',` : '');
    const det = `${letterboxFilter(this.geometry, letterbox)},showinfo`;
    let graph: string;
    if (this.fullSize) {
      graph =
        `[0:v]${pre}split=2[a][b];[a]${det}[det];` +
        `[b]scale=${this.fullSize.width}:${this.fullSize.height}:flags=bilinear,format=bgr24[full]`;
    } else {
      graph = `[0:v]${pre}${det}[det]`;
    }
    const limit = range
      ? ['-frames:v', String(range.frames)]
      : v.sequence
        ? ['-frames:v', String(Math.ceil(v.sequence.length / step))]
        : [];
    const out = ['-map', '[det]', '-fps_mode', 'passthrough', ...limit, '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'];
    if (this.fullSize) out.push('-map', '[full]', '-fps_mode', 'passthrough', ...limit, '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:3');
    return ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', ...input, '-an', '-sn', '-dn', '-filter_complex', graph, ...out];
  }

  private get firstFrame(): number {
    return this.opts.range?.startFrame ?? 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DecodedFrame> {
    let delivered = 0;
    try {
      for await (const f of this.run(this.stats.hwaccel)) {
        delivered++;
        yield f;
      }
    } catch (err) {
      // Hardware decode can fail to initialise (no device, unsupported codec): fall back to the CPU once.
      if (this.stats.hwaccel === 'cuda' && delivered === 0 && !(err instanceof EngineError && (err.code === 'ABORTED' || err.code === 'TOO_LONG'))) {
        this.stats.hwaccel = 'none';
        yield* this.run('none');
        return;
      }
      throw err;
    }
  }

  private run(hwaccel: 'cuda' | 'none'): AsyncGenerator<DecodedFrame> {
    const { video, step, signal } = this.opts;
    const opts = this.opts;
    const firstFrame = this.firstFrame;
    const timeIndexed = opts.range !== undefined && !video.isSequence;
    const rangeFrames = opts.range ? rangeFrameCount(video, opts.range) : undefined;
    const maxQueue = Math.max(1, this.opts.maxQueue ?? 4);
    const inputBytes = this.opts.letterbox.width * this.opts.letterbox.height * 3;
    const fullBytes = this.fullSize ? this.fullSize.width * this.fullSize.height * 3 : 0;
    const stats = this.stats;
    const fullSize = this.fullSize;
    const args = this.args(hwaccel);
    const ffmpegBin = ffmpegBinary();
    const maxDurationMs = this.opts.maxDurationMs ?? MAX_DURATION_MS;

    return (async function* generate(): AsyncGenerator<DecodedFrame> {
      if (signal?.aborted) throw new EngineError('ABORTED', 'tracking was cancelled');
      const child: ChildProcess = spawn(ffmpegBin, args, {
        stdio: fullBytes ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
      });
      const detOut = child.stdout as Readable;
      const fullOut = fullBytes ? (child.stdio[3] as Readable) : undefined;
      const pending: Pending[] = [];
      const ready: DecodedFrame[] = [];
      let nDet = 0;
      let nFull = 0;
      let nTime = 0;
      let produced = 0;
      let lastTime = -Infinity;
      let paused = false;
      let finished = false;
      let failure: Error | undefined;
      let overLimit: EngineError | undefined;
      let wake: (() => void) | undefined;
      const errorLines: string[] = [];
      let partialFile = false;
      let spawnError: Error | undefined;
      let killedByUs = false;
      let lastActivity = performance.now();
      const stallMs = opts.stallTimeoutMs ?? 120_000;

      const notify = (): void => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const slot = (i: number): Pending => {
        while (pending.length <= i - produced) pending.push({});
        return pending[i - produced];
      };
      const sampleCpu = (): void => {
        if (child.pid === undefined) return;
        try {
          const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          stats.cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
        } catch {
          /* process gone or no /proc */
        }
      };
      const promote = (): void => {
        while (pending.length > 0) {
          const p = pending[0];
          if (!p.input || p.timeSec === undefined || (fullBytes && !p.full)) break;
          pending.shift();
          const index = produced++;
          // Presentation times must increase (trackers and Timestamps depend on it); files with repeated or
          // backward timestamps get the previous time + 1 ms.
          const timeSec = p.timeSec > lastTime ? p.timeSec : lastTime + 0.001;
          lastTime = timeSec;
          if (timeSec * 1000 > maxDurationMs) {
            // Past the limit in stream time (a header without a duration, or one that lies): stop decoding now.
            overLimit ??= tooLong(timeSec * 1000, maxDurationMs, true);
            pending.length = 0;
            child.kill('SIGKILL');
            notify();
            return;
          }
          ready.push({
            index,
            // A file range selects frames by time (pipeline/segments.ts rangeArgs): its source index is the time's.
            sourceIndex: timeIndexed ? Math.round(timeSec * video.fps) : firstFrame + index * step,
            timeSec,
            input: p.input,
            ...(p.full && fullSize ? { full: { data: p.full, width: fullSize.width, height: fullSize.height } } : {}),
          });
          if (index % 16 === 0) sampleCpu();
        }
        if (ready.length >= maxQueue && !paused) {
          paused = true;
          detOut.pause();
          fullOut?.pause();
        }
        if (ready.length > 0) notify();
      };

      const reader = (stream: Readable, frameBytes: number, onFrame: (buf: Uint8Array) => void): void => {
        let buf = Buffer.allocUnsafe(frameBytes);
        let fill = 0;
        stream.on('data', (chunk: Buffer) => {
          lastActivity = performance.now();
          let off = 0;
          while (off < chunk.length) {
            const n = Math.min(frameBytes - fill, chunk.length - off);
            chunk.copy(buf, fill, off, off + n);
            fill += n;
            off += n;
            if (fill === frameBytes) {
              onFrame(buf);
              buf = Buffer.allocUnsafe(frameBytes);
              fill = 0;
            }
          }
        });
      };
      reader(detOut, inputBytes, (b) => {
        slot(nDet++).input = b;
        promote();
      });
      if (fullOut) {
        reader(fullOut, fullBytes, (b) => {
          slot(nFull++).full = b;
          promote();
        });
      }

      const showinfo = /Parsed_showinfo_\d+ @ [^\]]*\]\s*(?:\[info\]\s*)?n:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:(\S+)/;
      let errTail = '';
      let refused: string | undefined;
      (child.stderr as Readable).setEncoding('utf8');
      (child.stderr as Readable).on('data', (text: string) => {
        lastActivity = performance.now();
        const lines = (errTail + text).split('\n');
        errTail = lines.pop() ?? '';
        for (const line of lines) {
          const m = showinfo.exec(line);
          if (m) {
            const n = Number(m[1]);
            const i = nTime++;
            const fallback = (firstFrame + n * step) / video.fps;
            slot(i).timeSec = video.isSequence ? fallback : frameTime(m[2], m[3], video.timeBase, fallback);
            continue;
          }
          refused ??= refusedContainer(line);
          // Input-side errors only: the rawvideo output muxer's complaints (e.g. non-monotonic dts of a file with
          // duplicate timestamps, passed through as-is) say nothing about the input being damaged.
          if (/\[(error|fatal|panic)\]/.test(line) && !/\[rawvideo @|to muxer/.test(line)) {
            if (/partial file/i.test(line)) partialFile = true;
            errorLines.push(line.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').replace(/\[(error|fatal|panic)\]\s*/, '').trim());
            if (errorLines.length > 20) errorLines.shift();
          }
        }
        promote();
      });

      const onAbort = (): void => {
        killedByUs = true;
        child.kill('SIGKILL');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        spawnError = e;
        if (child.pid === undefined) {
          // Never started: 'close' may not follow.
          finished = true;
          failure = spawnFailure(e);
          notify();
        }
      });
      detOut.on('end', sampleCpu);
      child.on('close', (code, sig) => {
        if (finished) return;
        finished = true;
        failure = classifyExit({ code, signal: sig, overLimit, killedByUs, spawnError, refused, errorLines, partialFile, produced, step, firstFrame, rangeFrames, video });
        notify();
      });

      try {
        for (;;) {
          if (overLimit) {
            ready.length = 0;
            throw overLimit;
          }
          if (ready.length > 0) {
            const f = ready.shift() as DecodedFrame;
            if (paused && ready.length < maxQueue) {
              paused = false;
              detOut.resume();
              fullOut?.resume();
            }
            stats.frames++;
            yield f;
            continue;
          }
          if (finished) {
            // 'close' has fired (or spawn failed): all output is in.
            if (failure) throw failure;
            return;
          }
          const t0 = performance.now();
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, Math.min(5000, stallMs));
          });
          clearTimeout(timer);
          stats.waitMs += performance.now() - t0;
          if (!finished && ready.length === 0 && performance.now() - lastActivity > stallMs) {
            // A stalled input (e.g. a hung network file system) must not hang the job.
            child.kill('SIGKILL');
            throw new EngineError('DECODE_FAILED', `ffmpeg produced nothing for ${Math.round(stallMs / 1000)} s; decoding stopped`);
          }
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
        }
      }
    })();
  }
}

/** Why ffmpeg could not be started. */
function spawnFailure(e: Error): EngineError {
  return (e as NodeJS.ErrnoException).code === 'ENOENT'
    ? new EngineError('DECODE_FAILED', 'ffmpeg is not installed (the engine needs ffmpeg and ffprobe on PATH)')
    : new EngineError('DECODE_FAILED', `could not start ffmpeg: ${e.message}`);
}

/** Everything the decoder knows when ffmpeg has exited: how it ended, what it said, how much it delivered. */
export interface DecoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The stream passed the duration limit (the decoder killed ffmpeg for it). */
  overLimit?: EngineError | undefined;
  /** The caller aborted (the decoder killed ffmpeg for it). */
  killedByUs: boolean;
  spawnError?: Error | undefined;
  /** The input's container is not one the engine accepts (ffmpeg-input.ts refusedContainer). */
  refused?: string | undefined;
  /** ffmpeg's last input-side error lines, oldest first. */
  errorLines: readonly string[];
  /** ffmpeg reported a partial file. */
  partialFile: boolean;
  /** Analysed frames delivered, every `step` source frames from `firstFrame`. */
  produced: number;
  step: number;
  firstFrame: number;
  /** Source frames of the range decoded, when only a range was. */
  rangeFrames?: number | undefined;
  video: Pick<ProbedVideo, 'frameCount' | 'containerFrames' | 'isSequence'>;
}

/**
 * How a decode ended, from the exit alone: the job's failure, or undefined when every frame there was came out.
 * A clean exit still fails when ffmpeg reported a partial file, when it reported errors and delivered well under
 * the frames the probe promised (a truncated or corrupt file), or when it delivered nothing. ffmpeg's own words go
 * in EngineError.detail (the log), never in the message a caller reads.
 */
export function classifyExit(e: DecoderExit): EngineError | undefined {
  if (e.overLimit) return e.overLimit;
  if (e.killedByUs) return new EngineError('ABORTED', 'tracking was cancelled');
  if (e.spawnError) return spawnFailure(e.spawnError);
  const lastError = e.errorLines[e.errorLines.length - 1];
  if (e.code !== 0) {
    if (e.refused) return new EngineError('DECODE_FAILED', `could not decode the video: ${e.refused}`);
    return new EngineError('DECODE_FAILED', UNDECODABLE_VIDEO, lastError ?? `ffmpeg exited with ${e.code ?? e.signal}`);
  }
  const sourceFrames = e.produced * e.step;
  const whole = Math.max(e.video.frameCount, e.video.containerFrames ?? 0);
  const expected = e.rangeFrames ?? whole;
  // A range reports how far into the whole video it got, as an unsplit run would.
  const reached = e.firstFrame + sourceFrames;
  if (e.partialFile) {
    return new EngineError('TRUNCATED', `the video file is truncated (decoded ${reached} of about ${e.video.frameCount} frames)`);
  }
  if (!e.video.isSequence && lastError !== undefined && sourceFrames < 0.9 * expected - e.step) {
    return new EngineError(
      'TRUNCATED',
      `the video is truncated or corrupt (decoded ${reached} of about ${whole} frames); re-encode or upload it again`,
      lastError,
    );
  }
  if (e.produced === 0) return new EngineError('INVALID_VIDEO', lastError !== undefined ? UNDECODABLE_VIDEO : 'no frame could be decoded', lastError);
  return undefined;
}
