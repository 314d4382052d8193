/**
 * The overlay over the playing video: each person's box, Index and the last seconds of their trail (the bottom
 * centre of the box), drawn on a canvas of the video's own size, in step with the frame on screen.
 * requestVideoFrameCallback gives the media time of each presented frame where the browser has it; elsewhere a
 * requestAnimationFrame loop reads currentTime. A seek redraws at once.
 */
import { colourOf, Tracks } from './tracks.js';
import type { PlacedBox } from './tracks.js';

export const TRAIL_MS = 2000;

export function drawPersons(ctx: CanvasRenderingContext2D, tracks: Tracks, t: number, selected: number | undefined, scratch: PlacedBox[] = []): number {
  const { width: W, height: H } = ctx.canvas;
  ctx.clearRect(0, 0, W, H);
  const boxes = tracks.at(t, scratch);
  const lw = Math.max(2, Math.round(Math.min(W, H) / 300));
  const font = Math.max(12, Math.round(H / 40));
  ctx.lineJoin = 'round';
  ctx.font = `bold ${font}px system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const b of boxes) {
    const colour = colourOf(b.index);
    const tr = tracks.byIndex(b.index)!;
    // Trail: the anchor's samples over the last TRAIL_MS, up to now.
    const from = Tracks.before(tr, t - TRAIL_MS);
    const to = Tracks.before(tr, t + 0.5);
    ctx.strokeStyle = colour;
    ctx.lineWidth = lw;
    if (to > Math.max(0, from)) {
      ctx.beginPath();
      for (let i = Math.max(0, from); i <= to; i++) {
        const x = (tr.box[i * 4] + tr.box[i * 4 + 2] / 2) * W;
        const y = (tr.box[i * 4 + 1] + tr.box[i * 4 + 3]) * H;
        if (i === Math.max(0, from)) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.lineTo((b.left + b.width / 2) * W, (b.top + b.height) * H);
      ctx.stroke();
    }
    const x = b.left * W;
    const y = b.top * H;
    ctx.lineWidth = b.index === selected ? lw * 2 : lw;
    ctx.strokeRect(x, y, b.width * W, b.height * H);
    const label = String(b.index);
    const tw = ctx.measureText(label).width + 8;
    ctx.fillStyle = colour;
    ctx.fillRect(x, Math.max(0, y - font - 4), tw, font + 4);
    ctx.fillStyle = '#000';
    ctx.fillText(label, x + 4, Math.max(font + 2, y - 2));
  }
  return boxes.length;
}

export interface OverlayHandle {
  redraw(): void;
  stop(): void;
  setSelected(index: number | undefined): void;
}

/** Keeps `canvas` drawn for the frame `video` shows until stopped. */
export function attachOverlay(video: HTMLVideoElement, canvas: HTMLCanvasElement, tracks: Tracks): OverlayHandle {
  const ctx = canvas.getContext('2d')!;
  const scratch: PlacedBox[] = [];
  let selected: number | undefined;
  let stopped = false;
  const draw = (mediaSeconds: number) => {
    if (canvas.width !== video.videoWidth && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
    }
    drawPersons(ctx, tracks, mediaSeconds * 1000, selected, scratch);
  };
  const rvfc = 'requestVideoFrameCallback' in video;
  const onFrame = (_now: number, meta: { mediaTime: number }) => {
    if (stopped) return;
    draw(meta.mediaTime);
    video.requestVideoFrameCallback(onFrame);
  };
  const onAnimation = () => {
    if (stopped) return;
    if (!video.paused) draw(video.currentTime);
    requestAnimationFrame(onAnimation);
  };
  if (rvfc) video.requestVideoFrameCallback(onFrame);
  else requestAnimationFrame(onAnimation);
  const redraw = () => draw(video.currentTime);
  video.addEventListener('seeked', redraw);
  video.addEventListener('loadeddata', redraw);
  video.addEventListener('pause', redraw);
  return {
    redraw,
    stop: () => {
      stopped = true;
      video.removeEventListener('seeked', redraw);
      video.removeEventListener('loadeddata', redraw);
      video.removeEventListener('pause', redraw);
    },
    setSelected: (i) => {
      selected = i;
      redraw();
    },
  };
}
