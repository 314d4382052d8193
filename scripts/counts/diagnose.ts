/**
 * Per-event diagnosis behind ADR 0022's Consequences: `npx tsx scripts/counts/diagnose.ts --tracker-dir DIR
 * [--counts-dir DIR]` lists, per line and zone, each ground-truth (raw rule) and own-track (default rule) event with
 * the ground-truth person our track followed around it (the one whose boxes it overlapped most often, IoU ≥ 0.5), so
 * extra and missing events can be traced to their cause.
 */
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMotSequence, readMotFile } from '../../containers/tracker/src/eval/index.js';
import type { PersonSample } from '../../core/analytics/index.js';
import { COUNT_SEQUENCES, countSequence, identityByOverlap, loadZones, overlapTakes, parseRule, samplesOf, zoneFilePath } from './evaluate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const { values } = parseArgs({ args: process.argv.slice(2), options: { 'tracker-dir': { type: 'string' }, 'counts-dir': { type: 'string' }, rule: { type: 'string', multiple: true } } });
if (!values['tracker-dir']) throw new Error('--tracker-dir DIR is required');
const countsDir = resolve(values['counts-dir'] ?? HERE);
const rule = parseRule(values.rule);

for (const name of COUNT_SEQUENCES) {
  const zoneFile = zoneFilePath(countsDir, name);
  if (!existsSync(zoneFile)) continue;
  const seq = await loadMotSequence(join(DATA, 'mot', name));
  const rows = await readMotFile(join(resolve(values['tracker-dir']), `${name}.txt`));
  const gt = samplesOf(seq.gt, seq.info, true);
  const ours = samplesOf(rows, seq.info, false);
  const fps = seq.info.frameRate ?? 25;
  const f = (t: number): number => Math.round((t * fps) / 1000) + 1;
  // Per ground-truth person: which of our tracks took its boxes, and in how many frames (-1: none).
  const taken = overlapTakes(gt, ours);
  const votes = new Map<number, Map<number, number>>();
  const span = (samples: PersonSample[]): Map<number, [number, number]> => {
    const m = new Map<number, [number, number]>();
    for (const x of samples) { const s = m.get(x.Index); m.set(x.Index, s ? [Math.min(s[0], f(x.Timestamp)), Math.max(s[1], f(x.Timestamp))] : [f(x.Timestamp), f(x.Timestamp)]); }
    return m;
  };
  const gtSpan = span(gt), ourSpan = span(ours);
  for (const g of gt) {
    const oid = [...(taken.get(g.Timestamp) ?? [])].find(([, gid]) => gid === g.Index)?.[0] ?? -1;
    const m = votes.get(g.Index) ?? votes.set(g.Index, new Map()).get(g.Index) as Map<number, number>;
    m.set(oid, (m.get(oid) ?? 0) + 1);
  }
  // Each of our events is labelled with the ground-truth person our track followed around it.
  const identityOf = identityByOverlap(gt, ours);
  const around = (index: number, from: number, to = from): number | string => identityOf(index, from - 1000, to + 1000) ?? '?';
  const r = countSequence(name, zoneFile, await loadZones(zoneFile), gt, ours, seq.info, rule);
  console.log(`=== ${name} (frames 1–${seq.info.seqLength})`);
  console.log('gt persons: ' + [...votes].map(([gid, m]) => `${gid}[${gtSpan.get(gid)?.join('-')}]→${[...m].map(([o, n]) => `${o}${o >= 0 ? `[${ourSpan.get(o)?.join('-')}]` : ''}×${n}`).join(',')}`).join('  '));
  for (let k = 0; k < r.groundTruth.Lines.length; k++) {
    const g = r.groundTruth.Lines[k], o = r.ours.Lines[k];
    console.log(`line ${g.Name}: gt ${g.In}/${g.Out} ours ${o.In}/${o.Out}`);
    console.log('  gt:   ' + g.Crossings.map((c) => `${c.Index}@${f(c.Timestamp)}${c.Direction[0]}`).join(' '));
    console.log('  ours: ' + o.Crossings.map((c) => `${around(c.Index, c.Timestamp)}(${c.Index})@${f(c.Timestamp)}${c.Direction[0]}`).join(' '));
  }
  for (let k = 0; k < r.groundTruth.Zones.length; k++) {
    const g = r.groundTruth.Zones[k], o = r.ours.Zones[k];
    console.log(`zone ${g.Name}: gt ${g.Visits} (median ${g.DwellMillis.Median}) ours ${o.Visits} (median ${o.DwellMillis.Median})`);
    console.log('  gt:   ' + g.VisitList.map((v) => `${v.Index}@${f(v.EnterTimestamp)}-${f(v.ExitTimestamp)}`).join(' '));
    console.log('  ours: ' + o.VisitList.map((v) => `${around(v.Index, v.EnterTimestamp, v.ExitTimestamp)}(${v.Index})@${f(v.EnterTimestamp)}-${f(v.ExitTimestamp)}`).join(' '));
  }
}
