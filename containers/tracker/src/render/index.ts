/**
 * `people-pathing render`: tracked persons drawn onto the original frames (box, Index, last seconds of trail, one
 * stable colour per Index), streamed: ffmpeg decodes to raw RGBA on a pipe, each frame is drawn and piped into an
 * encoding ffmpeg (H.264, yuv420p, the input's frame rate and frame count). One frame is in memory at a time.
 * And the paths picture: every person's whole path over one representative frame, with a legend.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createCanvas, ImageData, type SKRSContext2D } from '@napi-rs/canvas';
import { colourForIndex, css } from './colors.js';
import { drawPersons, fontSizeFor, fontsAvailable, lineWidthFor } from './draw.js';
import { decodeRgba, openInput, representativeFrame } from './input.js';
import { ffmpegBinary } from '../video/ffmpeg-input.js';
import { Timeline, pathsOf, type Samples } from './timeline.js';

export { openInput, decodeRgba } from './input.js';
export { renderHeatmap } from './heatmap.js';
export { drawZones } from './zones.js';
export { loadResults, buildSamples, Timeline } from './timeline.js';
export { colourForIndex } from './colors.js';

export interface RenderVideoOptions {
  trailSeconds?: number;
  /** x264 constant rate factor (lower is better quality). Default 18. */
  crf?: number;
  preset?: string;
  /** Draws over each frame after the persons (e.g. lines and zones with running counts); `timestamp` in ms. */
  overlay?: (ctx: SKRSContext2D, timestamp: number, width: number, height: number, withText: boolean) => void;
}

export interface RenderPathsOptions {
  /** Draws over the paths picture, after the paths and before the legend. */
  overlay?: (ctx: SKRSContext2D, width: number, height: number, withText: boolean) => void;
}

export interface RenderStats {
  frames: number;
  width: number;
  height: number;
  rate: string;
}

export async function renderVideo(inputPath: string, samples: Samples, outPath: string, options: RenderVideoOptions = {}): Promise<RenderStats> {
  const input = await openInput(inputPath);
  const { width, height } = input;
  const withText = fontsAvailable();
  const frameMs = 1000 / input.fps;
  const timeline = new Timeline(samples, width, height, (options.trailSeconds ?? 2) * 1000, frameMs);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  // libx264 with yuv420p needs even sizes: an odd width/height gets one black column/row.
  const pad = width % 2 || height % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : [];
  // The encoder's only input is our own raw frames on a pipe.
  const enc = spawn(
    ffmpegBinary(),
    ['-v', 'error', '-y', '-protocol_whitelist', 'pipe', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-framerate', input.rate, '-i', '-',
      ...pad, '-c:v', 'libx264', '-preset', options.preset ?? 'veryfast', '-crf', String(options.crf ?? 18), '-pix_fmt', 'yuv420p',
      '-fps_mode', 'passthrough', '-movflags', '+faststart', outPath],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let encErr = '';
  enc.stderr.on('data', (d: Buffer) => {
    if (encErr.length < 4000) encErr += d.toString();
  });
  const encoded = new Promise<number>((res) => enc.on('close', (code) => res(code ?? 1)));
  enc.stdin.on('error', () => undefined); // reported through the exit code below
  let frames = 0;
  try {
    for await (const rgba of decodeRgba(input)) {
      ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height), 0, 0);
      drawPersons(ctx, timeline.at(frames * frameMs), width, height, withText);
      options.overlay?.(ctx, frames * frameMs, width, height, withText);
      const out = ctx.getImageData(0, 0, width, height).data;
      frames++;
      if (!enc.stdin.write(Buffer.from(out.buffer, out.byteOffset, out.byteLength))) {
        await Promise.race([once(enc.stdin, 'drain'), encoded]);
        if (enc.exitCode !== null) break;
      }
    }
  } finally {
    enc.stdin.end();
  }
  const code = await encoded;
  if (code !== 0) throw new Error(`ffmpeg could not encode ${outPath}: ${encErr.trim().split('\n').slice(-3).join(' ')}`);
  return { frames, width, height, rate: input.rate };
}

function clock(ms: number): string {
  const s = ms / 1000;
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

/** Every path over one representative frame, with a legend (Index, first and last seen). Writes a PNG of the input's size. */
export async function renderPaths(inputPath: string, samples: Samples, outPath: string, options: RenderPathsOptions = {}): Promise<{ width: number; height: number; persons: number }> {
  const input = await openInput(inputPath);
  const { width, height } = input;
  const withText = fontsAvailable();
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const rgba = await representativeFrame(input);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height), 0, 0);
  ctx.fillStyle = 'rgba(0,0,0,0.35)'; // dim the picture so the paths stand out
  ctx.fillRect(0, 0, width, height);
  const lw = lineWidthFor(width, height);
  const paths = [...pathsOf(samples, width, height)].sort((a, b) => a[0] - b[0]);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const [index, p] of paths) {
    const c = colourForIndex(index);
    ctx.strokeStyle = css(c);
    ctx.fillStyle = css(c);
    ctx.lineWidth = Math.max(2, lw - 1);
    for (const seg of p.points) {
      ctx.beginPath();
      ctx.moveTo(seg[0], seg[1]);
      for (let k = 2; k < seg.length; k += 2) ctx.lineTo(seg[k], seg[k + 1]);
      ctx.stroke();
    }
    const first = p.points[0];
    const lastSeg = p.points[p.points.length - 1];
    ctx.beginPath(); // start: a ring
    ctx.arc(first[0], first[1], lw * 1.5, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.beginPath(); // end: a dot
    ctx.arc(lastSeg[lastSeg.length - 2], lastSeg[lastSeg.length - 1], lw * 1.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  options.overlay?.(ctx, width, height, withText);
  if (withText && paths.length) drawLegend(ctx, paths.map(([index, p]) => ({ index, text: `${index}  ${clock(p.first)} – ${clock(p.last)}` })), width, height);
  await writeFile(outPath, await canvas.encode('png'));
  return { width, height, persons: paths.length };
}

function drawLegend(ctx: ReturnType<ReturnType<typeof createCanvas>['getContext']>, rows: { index: number; text: string }[], width: number, height: number): void {
  const fs = Math.max(10, Math.round(fontSizeFor(width, height) * 0.6));
  const lineH = Math.round(fs * 1.4);
  const pad = Math.round(fs / 2);
  ctx.font = `${fs}px sans-serif`;
  ctx.textBaseline = 'middle';
  const colW = Math.ceil(Math.max(...rows.map((r) => ctx.measureText(r.text).width))) + fs + 3 * pad;
  const perCol = Math.max(1, Math.floor((height - 2 * pad - lineH) / lineH));
  const maxCols = Math.max(1, Math.floor((width - 2 * pad) / colW));
  const capacity = perCol * maxCols;
  const shown = rows.length > capacity ? rows.slice(0, capacity - 1) : rows;
  const extra = rows.length - shown.length;
  const cells = shown.length + (extra > 0 ? 1 : 0);
  const cols = Math.ceil(cells / perCol);
  const used = Math.min(cells, perCol);
  ctx.fillStyle = 'rgba(0,0,0,0.65)';
  ctx.fillRect(pad, pad, cols * colW + pad, (used + 1) * lineH + pad);
  ctx.fillStyle = '#fff';
  ctx.fillText('Index  first – last seen', 2 * pad, pad + lineH / 2 + pad / 2);
  shown.forEach((r, k) => {
    const x = 2 * pad + Math.floor(k / perCol) * colW;
    const y = pad + (1 + (k % perCol)) * lineH + lineH / 2 + pad / 2;
    ctx.fillStyle = css(colourForIndex(r.index));
    ctx.fillRect(x, y - fs / 2, fs, fs);
    ctx.fillStyle = '#fff';
    ctx.fillText(r.text, x + fs + pad, y);
  });
  if (extra > 0) {
    const k = shown.length;
    ctx.fillStyle = '#fff';
    ctx.fillText(`+${extra} more`, 2 * pad + Math.floor(k / perCol) * colW, pad + (1 + (k % perCol)) * lineH + lineH / 2 + pad / 2);
  }
}
