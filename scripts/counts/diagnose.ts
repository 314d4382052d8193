/**
 * Per-event diagnosis behind ADR 0022's Consequences: `npx tsx scripts/counts/diagnose.ts --tracker-dir DIR
 * [--counts-dir DIR]` lists, per line and zone, each ground-truth (raw rule) and own-track (default rule) event with
 * the matched identity (our track that overlaps a ground-truth person most, IoU ≥ 0.5), so extra and missing events
 * can be traced to their cause.
 */
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMotSequence, readMotFile, type MotRow } from '../../containers/tracker/src/eval/index.js';
import { iou as boxIou } from '../../core/geometry.js';
import { COUNT_SEQUENCES, countSequence, loadZones, parseRule, samplesOf, zoneFilePath } from './evaluate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const { values } = parseArgs({ args: process.argv.slice(2), options: { 'tracker-dir': { type: 'string' }, 'counts-dir': { type: 'string' }, rule: { type: 'string', multiple: true } } });
if (!values['tracker-dir']) throw new Error('--tracker-dir DIR is required');
const countsDir = resolve(values['counts-dir'] ?? HERE);
const rule = parseRule(values.rule);

const corners = (r: MotRow): [number, number, number, number] => [r.x, r.y, r.x + r.w, r.y + r.h];
const iou = (a: MotRow, b: MotRow): number => boxIou(corners(a), corners(b));

for (const name of COUNT_SEQUENCES) {
  const zoneFile = zoneFilePath(countsDir, name);
  if (!existsSync(zoneFile)) continue;
  const seq = await loadMotSequence(join(DATA, 'mot', name));
  const rows = await readMotFile(join(resolve(values['tracker-dir']), `${name}.txt`));
  const gtRows = seq.gt.filter((r) => r.flag !== 0);
  // gt id -> our ids it matched (frames), our id -> gt id by majority
  const byFrame = new Map<number, MotRow[]>();
  for (const r of rows) (byFrame.get(r.frame) ?? byFrame.set(r.frame, []).get(r.frame) as MotRow[]).push(r);
  const votes = new Map<number, Map<number, number>>();
  const gtSpan = new Map<number, [number, number]>();
  const ourSpan = new Map<number, [number, number]>();
  for (const r of rows) { const s = ourSpan.get(r.id); ourSpan.set(r.id, s ? [Math.min(s[0], r.frame), Math.max(s[1], r.frame)] : [r.frame, r.frame]); }
  for (const g of gtRows) {
    const s = gtSpan.get(g.id); gtSpan.set(g.id, s ? [Math.min(s[0], g.frame), Math.max(s[1], g.frame)] : [g.frame, g.frame]);
    let best: MotRow | undefined, bi = 0.5;
    for (const o of byFrame.get(g.frame) ?? []) { const v = iou(g, o); if (v >= bi) { bi = v; best = o; } }
    const m = votes.get(g.id) ?? votes.set(g.id, new Map()).get(g.id) as Map<number, number>;
    m.set(best ? best.id : -1, (m.get(best ? best.id : -1) ?? 0) + 1);
  }
  const oursToGt = new Map<number, number>();
  const best = new Map<number, [number, number]>();
  for (const [gid, m] of votes) for (const [oid, n] of m) if (oid >= 0 && n > (best.get(oid)?.[1] ?? 0)) best.set(oid, [gid, n]);
  for (const [oid, [gid]] of best) oursToGt.set(oid, gid);
  const fps = seq.info.frameRate ?? 25;
  const f = (t: number): number => Math.round((t * fps) / 1000) + 1;
  const r = countSequence(name, zoneFile, await loadZones(zoneFile), samplesOf(seq.gt, seq.info, true), samplesOf(rows, seq.info, false), seq.info, rule);
  console.log(`=== ${name} (frames 1–${seq.info.seqLength})`);
  console.log('gt persons: ' + [...votes].map(([gid, m]) => `${gid}[${gtSpan.get(gid)?.join('-')}]→${[...m].map(([o, n]) => `${o}${o >= 0 ? `[${ourSpan.get(o)?.join('-')}]` : ''}×${n}`).join(',')}`).join('  '));
  for (let k = 0; k < r.groundTruth.Lines.length; k++) {
    const g = r.groundTruth.Lines[k], o = r.ours.Lines[k];
    console.log(`line ${g.Name}: gt ${g.In}/${g.Out} ours ${o.In}/${o.Out}`);
    console.log('  gt:   ' + g.Crossings.map((c) => `${c.Index}@${f(c.Timestamp)}${c.Direction[0]}`).join(' '));
    console.log('  ours: ' + o.Crossings.map((c) => `${oursToGt.get(c.Index) ?? '?'}(${c.Index})@${f(c.Timestamp)}${c.Direction[0]}`).join(' '));
  }
  for (let k = 0; k < r.groundTruth.Zones.length; k++) {
    const g = r.groundTruth.Zones[k], o = r.ours.Zones[k];
    console.log(`zone ${g.Name}: gt ${g.Visits} (median ${g.DwellMillis.Median}) ours ${o.Visits} (median ${o.DwellMillis.Median})`);
    console.log('  gt:   ' + g.VisitList.map((v) => `${v.Index}@${f(v.EnterTimestamp)}-${f(v.ExitTimestamp)}`).join(' '));
    console.log('  ours: ' + o.VisitList.map((v) => `${oursToGt.get(v.Index) ?? '?'}(${v.Index})@${f(v.EnterTimestamp)}-${f(v.ExitTimestamp)}`).join(' '));
  }
}
