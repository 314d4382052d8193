/**
 * `people-pathing analyse` on the shared sequences' ground truth, converted to GetPersonTracking JSON.
 *
 * Exactness: with --raw, the CLI's crossings and visits are exactly those of issue 22's rule as an independent
 * brute force below computes them (segment intersection by parameters, inside test by winding number), on every
 * line and zone of the evaluation's zone files, and of seeded random lines, turned rectangles and concave stars.
 * Also: every input form gives the same analysis, the CSVs hold one row per event, and a bad zone file is one line
 * naming the field with exit 2.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../cli/analyse.js';
import { run as render } from '../../cli/render.js';
import { execFileSync } from 'node:child_process';
import { loadMotSequence, motRowsToPersons, motVideoMetadata } from '../../containers/tracker/src/eval/index.js';
import { fromPersonDetection, type Analysis, type PersonSample, type Point, type ZoneFile } from '../../core/analytics/index.js';
import { aspectOf } from '../../scripts/counts/evaluate.js';
import { randomZoneFile } from '../../scripts/counts/random-geometry.js';
import { rng } from '../fixtures/random.js';
import type { PersonDetection } from '../../core/types.js';
import { DATA, describeWithData } from './engine-data.js';

const SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'];
const ZONE_FILES = (seq: string): string[] => [join('scripts', 'counts', `${seq}.json`), join('scripts', 'counts', 'heldout-b', `${seq}.json`), join('scripts', 'counts', 'tuning', `${seq}.json`)].filter((p) => !p.includes('tuning') || seq === 'PETS09-S2L1');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await run(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

// ---- the rule, written again from its statement (issue 22, item 3), sharing no code with core/analytics ----
type Track = { t: number; x: number; y: number }[];
function tracksOf(persons: PersonDetection[]): Map<number, Track> {
  const m = new Map<number, Track>();
  for (const p of persons) {
    const b = p.Person!.BoundingBox!;
    const list = m.get(p.Person!.Index!) ?? [];
    list.push({ t: p.Timestamp!, x: b.Left! + b.Width! / 2, y: b.Top! + b.Height! });
    m.set(p.Person!.Index!, list);
  }
  for (const l of m.values()) l.sort((a, b) => a.t - b.t);
  return m;
}
/** Side of P relative to A→B: the sign of (B−A) × (P−A). */
const side = (a: Point, b: Point, p: { x: number; y: number }): number => Math.sign((b[0] - a[0]) * (p.y - a[1]) - (b[1] - a[1]) * (p.x - a[0]));
/** Whether segments PQ and AB meet: solve P + s(Q−P) = A + u(B−A) for s, u in [0, 1]. */
function segmentsMeet(p: { x: number; y: number }, q: { x: number; y: number }, a: Point, b: Point): boolean {
  const rx = q.x - p.x, ry = q.y - p.y, sx = b[0] - a[0], sy = b[1] - a[1];
  const den = rx * sy - ry * sx;
  if (den === 0) return false;
  const s = ((a[0] - p.x) * sy - (a[1] - p.y) * sx) / den;
  const u = ((a[0] - p.x) * ry - (a[1] - p.y) * rx) / den;
  return s >= 0 && s <= 1 && u >= -1e-12 && u <= 1 + 1e-12;
}
function bruteCrossings(tracks: Map<number, Track>, a: Point, b: Point): { Index: number; Timestamp: number; Direction: string }[] {
  const out: { Index: number; Timestamp: number; Direction: string }[] = [];
  for (const [index, track] of tracks) {
    // a sample exactly on the line (side 0) is skipped: the move is judged from the last sample off it
    const off = track.filter((p) => side(a, b, p) !== 0);
    for (let k = 1; k < off.length; k++) {
      const s0 = side(a, b, off[k - 1]), s1 = side(a, b, off[k]);
      if (s0 !== s1 && segmentsMeet(off[k - 1], off[k], a, b)) out.push({ Index: index, Timestamp: off[k].t, Direction: s1 > 0 ? 'IN' : 'OUT' });
    }
  }
  return out.sort((x, y) => x.Timestamp - y.Timestamp || x.Index - y.Index);
}
/** Winding number, with a point on an edge counted inside. */
function inside(poly: Point[], p: { x: number; y: number }): boolean {
  let wn = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i];
    const [x2, y2] = poly[(i + 1) % poly.length];
    const cross = (x2 - x1) * (p.y - y1) - (y2 - y1) * (p.x - x1);
    if (cross === 0 && p.x >= Math.min(x1, x2) && p.x <= Math.max(x1, x2) && p.y >= Math.min(y1, y2) && p.y <= Math.max(y1, y2)) return true;
    if (y1 <= p.y) {
      if (y2 > p.y && cross > 0) wn++;
    } else if (y2 <= p.y && cross < 0) wn--;
  }
  return wn !== 0;
}
type BruteVisit = { Index: number; EnterTimestamp: number; ExitTimestamp: number; Censored?: 'START' | 'END' | 'BOTH' };
/** Visits, with those the video cut marked: inside at a track's first sample within 1.5 sample intervals of 0 ms, or at its last within 1.5 intervals of the last sample of all. */
function bruteVisits(tracks: Map<number, Track>, poly: Point[]): BruteVisit[] {
  const out: BruteVisit[] = [];
  let interval = Infinity, maxT = 0;
  for (const track of tracks.values()) {
    for (let k = 1; k < track.length; k++) interval = Math.min(interval, track[k].t - track[k - 1].t);
    maxT = Math.max(maxT, track[track.length - 1].t);
  }
  const push = (index: number, track: Track, enter: number, last: number, atEnd: boolean): void => {
    const start = enter === track[0].t && enter < 1.5 * interval;
    const end = atEnd && last > maxT - 1.5 * interval;
    out.push({ Index: index, EnterTimestamp: enter, ExitTimestamp: last, ...(start || end ? { Censored: start && end ? 'BOTH' : start ? 'START' : 'END' } : {}) });
  };
  for (const [index, track] of tracks) {
    let enter: number | undefined, last = 0;
    for (const p of track) {
      if (inside(poly, p)) {
        enter ??= p.t;
        last = p.t;
      } else if (enter !== undefined) {
        push(index, track, enter, last, false);
        enter = undefined;
      }
    }
    if (enter !== undefined) push(index, track, enter, last, true);
  }
  return out.sort((x, y) => x.EnterTimestamp - y.EnterTimestamp || x.Index - y.Index);
}

const describeData = describeWithData(...SEQUENCES.map((s) => join(DATA, 'mot', s, 'gt', 'gt.txt')));

describeData('people-pathing analyse on ground-truth tracks', () => {
  let dir: string;
  const results: Record<string, { path: string; persons: PersonDetection[] }> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'analyse-'));
    for (const s of SEQUENCES) {
      const seq = await loadMotSequence(join(DATA, 'mot', s));
      const info = seq.info as Required<typeof seq.info>;
      const persons = motRowsToPersons(seq.gt, info);
      const path = join(dir, `${s}.json`);
      await writeFile(path, JSON.stringify({ JobStatus: 'SUCCEEDED', VideoMetadata: motVideoMetadata(info), Persons: persons }, null, 1));
      results[s] = { path, persons };
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cases = SEQUENCES.flatMap((s) => ZONE_FILES(s).map((z) => [s, z] as const));
  /** Runs `analyse --raw` and checks every line and zone against the brute force; returns the events seen. */
  async function expectExact(s: string, zoneFile: string): Promise<number> {
    const out = join(dir, 'raw.json');
    const r = await cli([results[s].path, '--zones', zoneFile, '--raw', '--out', out]);
    expect(r.code).toBe(0);
    const a = JSON.parse(await readFile(out, 'utf8')) as Analysis;
    const zones = JSON.parse(await readFile(zoneFile, 'utf8')) as ZoneFile;
    const tracks = tracksOf(results[s].persons);
    let events = 0;
    zones.lines.forEach((l, k) => {
      const expected = bruteCrossings(tracks, l.points[0], l.points[1]);
      expect(a.Lines[k].Crossings).toEqual(expected);
      expect(a.Lines[k].In).toBe(expected.filter((c) => c.Direction === 'IN').length);
      expect(a.Lines[k].Out).toBe(expected.filter((c) => c.Direction === 'OUT').length);
      events += expected.length;
    });
    zones.zones.forEach((z, k) => {
      const expected = bruteVisits(tracks, z.points);
      expect(a.Zones[k].VisitList).toEqual(expected);
      const dwell = expected.filter((v) => !v.Censored).map((v) => v.ExitTimestamp - v.EnterTimestamp).sort((x, y) => x - y);
      expect(a.Zones[k].DwellMillis.Visits).toBe(dwell.length);
      if (dwell.length) expect(a.Zones[k].DwellMillis.Median).toBe(dwell.length % 2 ? dwell[(dwell.length - 1) / 2] : (dwell[dwell.length / 2 - 1] + dwell[dwell.length / 2]) / 2);
      expect(a.Zones[k].Persons).toBe(new Set(expected.map((v) => v.Index)).size);
      events += expected.length;
    });
    return events;
  }

  it.each(cases)('%s with %s: --raw gives exactly the rule\'s crossings and visits', async (s, zoneFile) => {
    expect(await expectExact(s, zoneFile)).toBeGreaterThan(20); // the zone files do meet the people
  });

  it('--raw is exact on geometry nobody drew: random lines, turned rectangles and concave stars', async () => {
    for (const s of SEQUENCES) {
      const seq = await loadMotSequence(join(DATA, 'mot', s));
      const aspect = aspectOf(seq.info);
      const samples = results[s].persons.map((p) => fromPersonDetection(p) as PersonSample);
      const zones = randomZoneFile(samples, aspect, 40, 11);
      // Stars: 7 points alternating between two radii, so every other corner points inwards (concave).
      const rnd = rng(12);
      for (let k = 0; k < 8; k++) {
        const cx = 0.2 + 0.6 * rnd(), cy = 0.3 + 0.6 * rnd(), r0 = 0.05 + 0.15 * rnd(), r1 = r0 * (0.3 + 0.4 * rnd());
        zones.zones.push({ name: `star${k}`, points: Array.from({ length: 14 }, (_, i) => {
          const r = i % 2 ? r1 : r0, th = (i * Math.PI) / 7;
          return [Math.min(1, Math.max(0, cx + (r * Math.cos(th)) / aspect)), Math.min(1, Math.max(0, cy + r * Math.sin(th)))] as Point;
        }) });
      }
      const zoneFile = join(dir, `random-${s}.json`);
      await writeFile(zoneFile, JSON.stringify(zones));
      expect(await expectExact(s, zoneFile)).toBeGreaterThan(100);
    }
  });

  it('reads one page, an array of pages and NDJSON pages alike, and writes one CSV row per event', async () => {
    const { path, persons } = results['PETS09-S2L1'];
    const zones = join('scripts', 'counts', 'PETS09-S2L1.json');
    const base = await cli([path, '--zones', zones]);
    expect(base.code).toBe(0);
    const pages = [];
    for (let i = 0; i < persons.length; i += 1000) pages.push({ JobStatus: 'SUCCEEDED', VideoMetadata: { FrameWidth: 768, FrameHeight: 576 }, Persons: persons.slice(i, i + 1000) });
    await writeFile(join(dir, 'pages.json'), JSON.stringify(pages, null, 2));
    await writeFile(join(dir, 'pages.ndjson'), pages.map((p) => JSON.stringify(p)).join('\n'));
    for (const f of ['pages.json', 'pages.ndjson']) {
      const r = await cli([join(dir, f), '--zones', zones]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).Lines).toEqual(JSON.parse(base.out).Lines);
      expect(JSON.parse(r.out).Zones).toEqual(JSON.parse(base.out).Zones);
    }
    const csvDir = join(dir, 'csv');
    expect((await cli([path, '--zones', zones, '--out', join(dir, 'a.json'), '--csv', csvDir, '--bucket-seconds', '30'])).code).toBe(0);
    const a = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as Analysis;
    expect((await readdir(csvDir)).sort()).toEqual(['buckets.csv', 'crossings.csv', 'occupancy.csv', 'visits.csv']);
    const rows = async (f: string): Promise<string[]> => (await readFile(join(csvDir, f), 'utf8')).trim().split('\n').slice(1);
    expect(await rows('crossings.csv')).toHaveLength(a.Lines.reduce((s, l) => s + l.In + l.Out, 0));
    expect(await rows('visits.csv')).toHaveLength(a.Zones.reduce((s, z) => s + z.Visits, 0));
    expect(await rows('buckets.csv')).toHaveLength(a.Buckets.length * (a.Lines.length + a.Zones.length));
    expect(a.Buckets).toHaveLength(4); // 113.6 s in 30 s buckets
  });

  it('a bad zone file: one line naming the field, exit 2; a results file cut short: exit 1', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ lines: [{ name: 'door', points: [[0.1, 0.5], [0.9, 0.5]] }], zones: [{ name: 'q', points: [[0, 0], [1, 0]] }] }));
    const r = await cli([results['TUD-Campus'].path, '--zones', bad]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('zones[0].points');
    const text = await readFile(results['TUD-Campus'].path, 'utf8');
    await writeFile(join(dir, 'cut.json'), text.slice(0, text.length / 2));
    const cut = await cli([join(dir, 'cut.json'), '--zones', join('scripts', 'counts', 'TUD-Campus.json')]);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/cut short/);
  });

  it('--heatmap and render --zones draw over the video: a PNG of its size, the line in its colour along the line', async () => {
    const { path } = results['TUD-Campus'];
    const seq = join(DATA, 'mot', 'TUD-Campus');
    const zones = join(dir, 'door.json');
    await writeFile(zones, JSON.stringify({ lines: [{ name: 'door', points: [[0.5, 0.05], [0.5, 0.95]] }], zones: [] }));
    const heat = join(dir, 'heat.png');
    expect((await cli([path, '--zones', zones, '--heatmap', heat, '--video', seq])).code).toBe(0);
    const size = (png: string): string => execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', png], { encoding: 'utf8' }).trim();
    expect(size(heat)).toBe('640,480');
    const paths = join(dir, 'paths.png');
    const quiet = { out: () => undefined, err: () => undefined };
    expect(await render([seq, '--results', path, '--zones', zones, '--paths', paths], quiet)).toBe(0);
    // the pixel a quarter of the way down the line is the line's colour (#ffd400)
    const rgb = execFileSync('ffmpeg', ['-v', 'error', '-i', paths, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 16 << 20 });
    const p = (Math.round(0.25 * 480) * 640 + 320) * 3;
    expect(Math.hypot(rgb[p] - 255, rgb[p + 1] - 212, rgb[p + 2] - 0)).toBeLessThan(40);
  });
});
