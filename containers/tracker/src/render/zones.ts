/**
 * Lines and zones drawn over a frame: each line with an arrow towards its IN side and its running IN/OUT counts,
 * each zone as a translucent polygon with how many people are in it now (and its visits so far). The counts come
 * from core/analytics (LiveCounter over the analysis), the same numbers `people-pathing analyse` reports.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LiveCounts, ZoneFile } from '../../../../core/analytics/index.js';
import { fontSizeFor, lineWidthFor } from './draw.js';
import { clampInto, intersects, type Rect } from './labels.js';

const LINE_COLOUR = '#ffd400';
const ZONE_COLOUR = [0, 200, 255] as const;

function overlapArea(a: Rect, b: Rect): number {
  if (!intersects(a, b)) return 0;
  return (Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * (Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
}

/**
 * Places label boxes so they do not cover each other (nor the `obstacles`, e.g. the lines' arrows): each, in order,
 * goes to the first of its candidate centres (in order of preference, moved into the frame) where it overlaps no box
 * placed before it; where every candidate overlaps, to the one that overlaps least.
 */
export function placeLabels(items: readonly { w: number; h: number; candidates: readonly (readonly [number, number])[] }[], width: number, height: number, obstacles: readonly Rect[] = []): Rect[] {
  const placed: Rect[] = [...obstacles];
  for (const it of items) {
    let best: Rect | undefined;
    let bestOverlap = Infinity;
    for (const [cx, cy] of it.candidates) {
      const box = { ...clampInto(cx - it.w / 2, cy - it.h / 2, it.w, it.h, width, height), width: it.w, height: it.h };
      const overlap = placed.reduce((sum, p) => sum + overlapArea(box, p), 0);
      if (overlap < bestOverlap) {
        best = box;
        bestOverlap = overlap;
        if (overlap === 0) break;
      }
    }
    placed.push(best ?? { x: 0, y: 0, width: it.w, height: it.h });
  }
  return placed.slice(obstacles.length);
}

/** Candidate centres around each of `bases`: the base itself first, then steps of `step` up and down, farther each time. */
function around(bases: readonly (readonly [number, number])[], step: number, rings: number): [number, number][] {
  const out: [number, number][] = bases.map(([x, y]) => [x, y]);
  for (let k = 1; k <= rings; k++) for (const [x, y] of bases) out.push([x, y - k * step], [x, y + k * step]);
  return out;
}

/**
 * Draws the zone file on a width×height frame; `counts` (when given) labels each line and zone, no label over
 * another. Returns the label boxes, lines' first, then zones'.
 */
export function drawZones(ctx: SKRSContext2D, zones: ZoneFile, counts: LiveCounts | undefined, width: number, height: number, withText: boolean): Rect[] {
  const lw = lineWidthFor(width, height);
  const fs = Math.max(11, Math.round(fontSizeFor(width, height) * 0.6));
  const pad = Math.round(fs / 4);
  const labels: { text: string; w: number; h: number; candidates: [number, number][] }[] = [];
  ctx.font = `bold ${fs}px sans-serif`;
  const request = (text: string, bases: [number, number][]): void => {
    const w = ctx.measureText(text).width + 2 * pad;
    const h = fs + 2 * pad;
    labels.push({ text, w, h, candidates: around(bases, h + 2, 4) });
  };
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  const zoneLabels: { text: string; bases: [number, number][] }[] = [];
  const arrows: Rect[] = [];
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
      zoneLabels.push({ text: c ? `${z.name}: ${c.occupancy} now, ${c.visits} visits` : z.name, bases: [[cx, cy]] });
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
    const tipX = mx + nx * arrow * 1.4, tipY = my + ny * arrow * 1.4, tailX = mx - nx * arrow, tailY = my - ny * arrow;
    arrows.push({ x: Math.min(tipX, tailX) - arrow * 0.4, y: Math.min(tipY, tailY) - arrow * 0.4, width: Math.abs(tipX - tailX) + arrow * 0.8, height: Math.abs(tipY - tailY) + arrow * 0.8 });
    if (withText) {
      const c = counts?.lines[k];
      // Beside the line on the OUT side of its middle (clear of the arrow), then the IN side, then nearer its ends.
      const off = arrow * 2.2;
      const bases: [number, number][] = [];
      for (const t of [0.5, 0.3, 0.7]) for (const side of [-1, 1]) bases.push([ax + dx * t + side * nx * off, ay + dy * t + side * ny * off]);
      request(c ? `${l.name}  IN ${c.in}  OUT ${c.out}` : l.name, bases);
    }
  });
  // Line labels first (they belong beside their line), then the zones' (anywhere near the middle of the zone).
  for (const z of zoneLabels) request(z.text, z.bases);
  const boxes = placeLabels(labels, width, height, arrows);
  ctx.textBaseline = 'top';
  labels.forEach((l, i) => {
    const b = boxes[i];
    ctx.fillStyle = 'rgba(0,0,0,0.7)';
    ctx.fillRect(b.x, b.y, b.width, b.height);
    ctx.fillStyle = '#fff';
    ctx.fillText(l.text, b.x + pad, b.y + pad);
  });
  return boxes;
}
