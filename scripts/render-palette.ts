/**
 * Generates render's categorical palette (containers/tracker/src/render/colors.ts, PALETTE) and prints it with its
 * measured separations. Run: `npx tsx scripts/render-palette.ts [N]` (default 24).
 *
 * 1. Candidates: OKLCH colours at six lightnesses (0.55 to 0.90, bright enough to read on video) and hues every 3°,
 *    each at the largest in-gamut chroma and at three quarters of it (never below 0.1: no greys, which vanish on
 *    pavement and dimmed pictures).
 * 2. The set: greedy farthest-point selection under CIEDE2000 (each new colour is the candidate farthest from all
 *    chosen ones), starting from a red.
 * 3. The order: pairwise swaps (hill climbing, deterministic) that maximise, in this order of priority, the smallest
 *    ΔE2000 between palette entries at most K apart (cyclically), then at most 2 apart, then adjacent ones.
 */
import { differenceCiede2000, displayable, formatHex, type Oklch } from 'culori';

const N = Number(process.argv[2] ?? 24);
const K = 4;
const de = differenceCiede2000();

const candidates: Oklch[] = [];
for (const l of [0.55, 0.62, 0.69, 0.76, 0.83, 0.9]) {
  for (let h = 0; h < 360; h += 3) {
    let lo = 0;
    let hi = 0.4;
    for (let k = 0; k < 20; k++) {
      const m = (lo + hi) / 2;
      if (displayable({ mode: 'oklch', l, c: m, h })) lo = m;
      else hi = m;
    }
    if (lo < 0.1) continue;
    for (const c of [lo, Math.max(0.1, lo * 0.75)]) candidates.push({ mode: 'oklch', l, c, h });
  }
}

const seed = candidates.reduce((b, c) => (Math.abs(c.h! - 25) + 100 * Math.abs(c.l - 0.69) < Math.abs(b.h! - 25) + 100 * Math.abs(b.l - 0.69) ? c : b));
const set: Oklch[] = [seed];
while (set.length < N) {
  let best = candidates[0];
  let bestD = -1;
  for (const c of candidates) {
    const d = Math.min(...set.map((p) => de(p, c)));
    if (d > bestD) [best, bestD] = [c, d];
  }
  set.push(best);
}

const D = set.map((a) => set.map((b) => de(a, b)));
const within = (o: number[], k: number): number => {
  let m = Infinity;
  for (let i = 0; i < o.length; i++) for (let d = 1; d <= k; d++) m = Math.min(m, D[o[i]][o[(i + d) % o.length]]);
  return m;
};
const key = (o: number[]): number[] => [within(o, K), within(o, 2), within(o, 1)];
const better = (a: number[], b: number[]): boolean => {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9) return a[i] > b[i];
  return false;
};
const order = set.map((_, i) => i);
for (let improved = true; improved; ) {
  improved = false;
  for (let i = 1; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const before = key(order);
      [order[i], order[j]] = [order[j], order[i]];
      if (better(key(order), before)) improved = true;
      else [order[i], order[j]] = [order[j], order[i]];
    }
  }
}

const hex = order.map((i) => formatHex(set[i]));
const sep = [1, 2, K, N - 1].map((k) => `|i−j| ≤ ${k}: ΔE2000 ≥ ${within(order, k).toFixed(1)}`);
process.stdout.write(`${JSON.stringify(hex)}\n${sep.join('\n')}\n`);
