/**
 * Drawing with @napi-rs/canvas (Skia; prebuilt binaries, no install script). Text needs a font: Skia finds the
 * system's fonts (Debian: fonts-dejavu-core); when there is none, boxes and trails are still drawn and the labels
 * are left out, with one warning.
 */
import { existsSync } from 'node:fs';
import { GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { colourForIndex, css, textColourOn, type Rgb } from './colors.js';
import { LabelPlacer } from './labels.js';
import type { PersonAt } from './timeline.js';

const FALLBACK_FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
  '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
];
let fontChecked: boolean | undefined;

/** Whether text can be drawn; registers a known font file when the system list is empty. */
export function fontsAvailable(warn: (msg: string) => void = (m) => process.stderr.write(m + '\n')): boolean {
  if (fontChecked !== undefined) return fontChecked;
  if (GlobalFonts.families.length === 0) {
    for (const f of FALLBACK_FONTS) if (existsSync(f)) GlobalFonts.registerFromPath(f);
  }
  fontChecked = GlobalFonts.families.length > 0;
  if (!fontChecked) warn('people-pathing render: no font found (install fonts-dejavu-core); drawing boxes and paths without labels');
  return fontChecked;
}

export function lineWidthFor(width: number, height: number): number {
  return Math.max(3, Math.round(Math.min(width, height) / 120));
}

export function fontSizeFor(width: number, height: number): number {
  return Math.max(12, Math.round(Math.min(width, height) / 30));
}

export interface DrawOptions {
  /** Colour per Index (assignColours); an Index not in it gets its preferred colour. */
  colours?: ReadonlyMap<number, Rgb>;
  /** Keeps labels apart and in place from frame to frame; a new one per call when not given. */
  labels?: LabelPlacer;
}

/** Boxes, "Index N" labels (placed so that none overlaps another) and trails of the persons on screen. */
export function drawPersons(ctx: SKRSContext2D, persons: readonly PersonAt[], width: number, height: number, withText: boolean, options: DrawOptions = {}): void {
  const lw = lineWidthFor(width, height);
  const fs = fontSizeFor(width, height);
  const colourOf = (index: number): Rgb => options.colours?.get(index) ?? colourForIndex(index);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const p of persons) {
    const c = colourOf(p.index);
    if (p.trail.length >= 4) {
      ctx.strokeStyle = css(c, 0.9);
      ctx.lineWidth = Math.max(2, lw - 1);
      ctx.beginPath();
      ctx.moveTo(p.trail[0], p.trail[1]);
      for (let k = 2; k < p.trail.length; k += 2) ctx.lineTo(p.trail[k], p.trail[k + 1]);
      ctx.stroke();
    }
  }
  ctx.lineJoin = 'miter';
  ctx.lineCap = 'butt';
  for (const p of persons) {
    const [x1, y1, x2, y2] = p.box;
    ctx.strokeStyle = css(colourOf(p.index));
    ctx.lineWidth = lw;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
  }
  if (!withText) return;
  ctx.font = `bold ${fs}px sans-serif`;
  const pad = Math.round(fs / 4);
  const requests = persons.map((p) => {
    const o = lw / 2; // labels go outside the stroke
    return { index: p.index, box: [p.box[0] - o, p.box[1] - o, p.box[2] + o, p.box[3] + o] as const, width: Math.ceil(ctx.measureText(String(p.index)).width) + 2 * pad, height: fs + pad };
  });
  const placed = (options.labels ?? new LabelPlacer()).place(requests, width, height);
  for (const l of placed) {
    const c = colourOf(l.index);
    if (l.leader) {
      ctx.strokeStyle = css(c);
      ctx.lineWidth = Math.max(1, Math.round(lw / 2));
      ctx.beginPath();
      ctx.moveTo(l.leader[0], l.leader[1]);
      ctx.lineTo(l.leader[2], l.leader[3]);
      ctx.stroke();
    }
    ctx.fillStyle = css(c);
    ctx.fillRect(l.x, l.y, l.width, l.height);
    ctx.fillStyle = textColourOn(c);
    ctx.textBaseline = 'top';
    ctx.fillText(String(l.index), l.x + pad, l.y + pad / 2);
  }
}
