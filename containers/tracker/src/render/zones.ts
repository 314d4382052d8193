/**
 * Lines and zones drawn over a frame: each line with an arrow towards its IN side and its running IN/OUT counts,
 * each zone as a translucent polygon with how many people are in it now (and its visits so far). The counts come
 * from core/analytics (LiveCounter over the analysis), the same numbers `people-pathing analyse` reports.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LiveCounts, ZoneFile } from '../../../../core/analytics/index.js';
import { fontSizeFor, lineWidthFor } from './draw.js';

const LINE_COLOUR = '#ffd400';
const ZONE_COLOUR = [0, 200, 255] as const;

function label(ctx: SKRSContext2D, text: string, x: number, y: number, fs: number, width: number, height: number): void {
  ctx.font = `bold ${fs}px sans-serif`;
  const tw = ctx.measureText(text).width;
  const pad = Math.round(fs / 4);
  const bx = Math.min(Math.max(0, x - tw / 2 - pad), width - tw - 2 * pad);
  const by = Math.min(Math.max(0, y - fs / 2 - pad), height - fs - 2 * pad);
  ctx.fillStyle = 'rgba(0,0,0,0.7)';
  ctx.fillRect(bx, by, tw + 2 * pad, fs + 2 * pad);
  ctx.fillStyle = '#fff';
  ctx.textBaseline = 'top';
  ctx.fillText(text, bx + pad, by + pad);
}

/** Draws the zone file on a width×height frame; `counts` (when given) labels each line and zone. */
export function drawZones(ctx: SKRSContext2D, zones: ZoneFile, counts: LiveCounts | undefined, width: number, height: number, withText: boolean): void {
  const lw = lineWidthFor(width, height);
  const fs = Math.max(11, Math.round(fontSizeFor(width, height) * 0.6));
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  zones.zones.forEach((z, k) => {
    ctx.beginPath();
    z.points.forEach(([x, y], i) => (i ? ctx.lineTo(x * width, y * height) : ctx.moveTo(x * width, y * height)));
    ctx.closePath();
    const occupied = (counts?.zones[k]?.occupancy ?? 0) > 0;
    ctx.fillStyle = `rgba(${ZONE_COLOUR.join(',')},${occupied ? 0.28 : 0.12})`;
    ctx.fill();
    ctx.strokeStyle = `rgb(${ZONE_COLOUR.join(',')})`;
    ctx.lineWidth = Math.max(2, lw - 1);
    ctx.stroke();
    if (withText) {
      const cx = (z.points.reduce((s, p) => s + p[0], 0) / z.points.length) * width;
      const cy = (z.points.reduce((s, p) => s + p[1], 0) / z.points.length) * height;
      const c = counts?.zones[k];
      label(ctx, c ? `${z.name}: ${c.occupancy} now, ${c.visits} visits` : z.name, cx, cy, fs, width, height);
    }
  });
  zones.lines.forEach((l, k) => {
    const [[ax, ay], [bx, by]] = l.points.map(([x, y]) => [x * width, y * height]);
    ctx.strokeStyle = LINE_COLOUR;
    ctx.lineWidth = lw;
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
    // The IN side is where (B−A) × (p−A) > 0 in the frame's coordinates (y down): the normal (−dy, dx).
    const dx = bx - ax, dy = by - ay;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len, ny = dx / len;
    const mx = (ax + bx) / 2, my = (ay + by) / 2;
    const arrow = Math.max(12, lw * 5);
    ctx.beginPath();
    ctx.moveTo(mx - nx * arrow, my - ny * arrow);
    ctx.lineTo(mx + nx * arrow, my + ny * arrow);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(mx + nx * arrow * 1.4, my + ny * arrow * 1.4);
    ctx.lineTo(mx + nx * arrow * 0.8 - (dx / len) * arrow * 0.4, my + ny * arrow * 0.8 - (dy / len) * arrow * 0.4);
    ctx.lineTo(mx + nx * arrow * 0.8 + (dx / len) * arrow * 0.4, my + ny * arrow * 0.8 + (dy / len) * arrow * 0.4);
    ctx.closePath();
    ctx.fillStyle = LINE_COLOUR;
    ctx.fill();
    if (withText) {
      const c = counts?.lines[k];
      label(ctx, c ? `${l.name}  IN ${c.in}  OUT ${c.out}` : l.name, mx - nx * arrow * 2.2, my - ny * arrow * 2.2, fs, width, height);
    }
  });
}
