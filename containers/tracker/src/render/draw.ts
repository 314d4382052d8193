/**
 * Drawing with @napi-rs/canvas (Skia; prebuilt binaries, no install script). Text needs a font: Skia finds the
 * system's fonts (Debian: fonts-dejavu-core); when there is none, boxes and trails are still drawn and the labels
 * are left out, with one warning.
 */
import { existsSync } from 'node:fs';
import { GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { colourForIndex, css, textColourOn } from './colors.js';
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

/** Boxes, "Index N" labels and trails of the persons on screen. */
export function drawPersons(ctx: SKRSContext2D, persons: readonly PersonAt[], width: number, height: number, withText: boolean): void {
  const lw = lineWidthFor(width, height);
  const fs = fontSizeFor(width, height);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const p of persons) {
    const c = colourForIndex(p.index);
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
    const c = colourForIndex(p.index);
    const [x1, y1, x2, y2] = p.box;
    ctx.strokeStyle = css(c);
    ctx.lineWidth = lw;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    if (withText) {
      const label = String(p.index);
      ctx.font = `bold ${fs}px sans-serif`;
      const tw = ctx.measureText(label).width;
      const pad = Math.round(fs / 4);
      const bh = fs + pad;
      const bx = Math.min(Math.max(x1 - lw / 2, 0), width - tw - 2 * pad);
      const by = y1 - lw / 2 - bh >= 0 ? y1 - lw / 2 - bh : Math.max(0, y1 + lw / 2);
      ctx.fillStyle = css(c);
      ctx.fillRect(bx, by, tw + 2 * pad, bh);
      ctx.fillStyle = textColourOn(c);
      ctx.textBaseline = 'top';
      ctx.fillText(label, bx + pad, by + pad / 2);
    }
  }
}
