/**
 * Colours of persons: distinct for Indexes close in number and for persons close on screen, and stable (one colour
 * per Index for the whole video, the same in every render of the same results).
 *
 * - PALETTE: 24 saturated, bright colours chosen in OKLCH for the largest CIEDE2000 separation, ordered so that
 *   entries close in the (cyclic) order are the furthest apart (scripts/render-palette.ts made it and prints the
 *   figures): ΔE2000 ≥ 26 between entries at most 4 apart, ≥ 15 between any two entries. Index i's preferred colour
 *   is entry i mod 24.
 * - assignColours: persons are taken in order of first appearance; each keeps its preferred colour unless it clashes
 *   with a person already coloured that is on screen with it at some sample: the same colour (ΔE2000 < DISTINCT)
 *   costs 10, or 100 when the two are close (centres within NEAR_DISTANCE box sizes); a close person's colour less
 *   than DISTINCT_NEAR away costs 1. It then takes the palette entry of least cost, the first in palette order from
 *   the preferred one on a tie. The choice depends only on the results, so it is stable between runs.
 */
import { differenceCiede2000, parse } from 'culori';
import type { Samples } from './timeline.js';

export type Rgb = [number, number, number];

/** From scripts/render-palette.ts (24 colours, K = 4). */
export const PALETTE_HEX = [
  '#ff5b5b', '#32bfff', '#00f035', '#8428ff', '#886f00', '#fed990', '#008570', '#ddb3ff',
  '#07ffee', '#cc0073', '#0072cd', '#e67b00', '#5d9a00', '#00b1b5', '#ff82b2', '#878dff',
  '#c73600', '#ffb390', '#d6ee00', '#00b77e', '#007e9c', '#9c622f', '#ff01ea', '#a99f00',
] as const;

export const PALETTE: readonly Rgb[] = PALETTE_HEX.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)) as Rgb);

/** Two persons closer than this many box sizes (the longer side of the larger box) at one sample are "close". */
export const NEAR_DISTANCE = 2;
/** Smallest CIEDE2000 difference wanted between close persons' colours. */
export const DISTINCT_NEAR = 25;
/** Smallest CIEDE2000 difference between persons on screen together (any two palette entries are at least this far). */
export const DISTINCT = 15;

const ciede2000 = differenceCiede2000();

/** CIEDE2000 colour difference of two sRGB colours. */
export function deltaE([r1, g1, b1]: Rgb, [r2, g2, b2]: Rgb): number {
  return ciede2000(parse(`rgb(${r1},${g1},${b1})`)!, parse(`rgb(${r2},${g2},${b2})`)!);
}

let paletteDistances: number[][] | undefined;
function slotDistance(a: number, b: number): number {
  paletteDistances ??= PALETTE.map((p) => PALETTE.map((q) => deltaE(p, q)));
  return paletteDistances[a][b];
}

function slotOf(index: number): number {
  return ((index % PALETTE.length) + PALETTE.length) % PALETTE.length;
}

/** Index's preferred colour (what assignColours gives it unless a close person has a similar one). */
export function colourForIndex(index: number): Rgb {
  return PALETTE[slotOf(index)];
}

/** One colour per Index of the results, chosen as the module comment says. */
export function assignColours(s: Samples): Map<number, Rgb> {
  // Dense ids in order of first appearance (samples are sorted by time, then Index).
  const idOf = new Map<number, number>();
  const indexOf: number[] = [];
  for (let i = 0; i < s.count; i++) {
    if (!idOf.has(s.index[i])) {
      idOf.set(s.index[i], indexOf.length);
      indexOf.push(s.index[i]);
    }
  }
  const n = indexOf.length;
  // Closest normalised distance of every pair of persons seen at the same sample time.
  const closest = new Map<number, number>();
  for (let start = 0; start < s.count; ) {
    let end = start + 1;
    while (end < s.count && s.ts[end] === s.ts[start]) end++;
    for (let a = start; a < end; a++) {
      const [al, at, aw, ah] = s.box.subarray(4 * a, 4 * a + 4);
      for (let b = a + 1; b < end; b++) {
        const [bl, bt, bw, bh] = s.box.subarray(4 * b, 4 * b + 4);
        const size = Math.max(aw, ah, bw, bh, 1e-6);
        const d = Math.hypot(al + aw / 2 - (bl + bw / 2), at + ah / 2 - (bt + bh / 2)) / size;
        const ia = idOf.get(s.index[a])!;
        const ib = idOf.get(s.index[b])!;
        if (ia === ib) continue;
        const key = Math.min(ia, ib) * n + Math.max(ia, ib);
        const prev = closest.get(key);
        if (prev === undefined || d < prev) closest.set(key, d);
      }
    }
    start = end;
  }
  // Each person's earlier-appearing neighbours (those coloured before it).
  const earlier: { id: number; d: number }[][] = Array.from({ length: n }, () => []);
  for (const [key, d] of closest) earlier[key % n].push({ id: Math.floor(key / n), d });

  const slot = new Int32Array(n);
  const out = new Map<number, Rgb>();
  for (let id = 0; id < n; id++) {
    const preferred = slotOf(indexOf[id]);
    let best = preferred;
    let bestCost = Infinity;
    for (let k = 0; k < PALETTE.length && bestCost > 0; k++) {
      const c = (preferred + k) % PALETTE.length;
      let cost = 0;
      for (const nb of earlier[id]) {
        const dE = slotDistance(c, slot[nb.id]);
        const near = nb.d <= NEAR_DISTANCE;
        if (dE < DISTINCT) cost += near ? 100 : 10;
        else if (near && dE < DISTINCT_NEAR) cost += 1;
      }
      if (cost < bestCost) [best, bestCost] = [c, cost];
    }
    slot[id] = best;
    out.set(indexOf[id], PALETTE[best]);
  }
  return out;
}

export function css([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

/** Black or white, whichever reads better on the colour. */
export function textColourOn([r, g, b]: Rgb): string {
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}
