/**
 * The grid behind ADR 0022: `npx tsx scripts/tune-counts.ts --tracker-dir DIR [--counts-dir DIR]` scores every
 * combination of the default rule's parameters on saved tracker outputs (from `npm run eval:counts -- --save-dir DIR`)
 * against the raw rule on ground truth, and prints one JSON line per combination (pooled errors over the zone files).
 */
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMotSequence, readMotFile } from '../containers/tracker/src/eval/index.js';
import { COUNT_SEQUENCES, countSequence, loadZones, pool, samplesOf, zoneFilePath } from './counts/evaluate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const { values } = parseArgs({ args: process.argv.slice(2), options: { 'tracker-dir': { type: 'string' }, 'counts-dir': { type: 'string' } } });
if (!values['tracker-dir']) throw new Error('--tracker-dir DIR (saved by npm run eval:counts -- --save-dir DIR) is required');
const countsDir = resolve(values['counts-dir'] ?? join(HERE, 'counts', 'tuning'));
const inputs = [];
for (const name of COUNT_SEQUENCES) {
  const zoneFile = zoneFilePath(countsDir, name);
  if (!existsSync(zoneFile)) continue;
  const seq = await loadMotSequence(join(DATA, 'mot', name));
  const rows = await readMotFile(join(resolve(values['tracker-dir']), `${name}.txt`));
  inputs.push({ name, zoneFile, zones: await loadZones(zoneFile), gt: samplesOf(seq.gt, seq.info, true), ours: samplesOf(rows, seq.info, false), info: seq.info });
}
const grid = {
  smoothingSeconds: [0, 0.15, 0.3, 0.5],
  marginHeights: [0, 0.025, 0.05, 0.1, 0.2],
  linkSeconds: [0, 2, 4, 6],
  linkDistanceHeights: [0.5, 1],
};
for (const smoothingSeconds of grid.smoothingSeconds)
  for (const marginHeights of grid.marginHeights)
    for (const linkSeconds of grid.linkSeconds)
      for (const linkDistanceHeights of grid.linkDistanceHeights) {
        const rule = { smoothingSeconds, marginHeights, linkSeconds, linkDistanceHeights };
        const rs = inputs.map((i) => countSequence(i.name, i.zoneFile, i.zones, i.gt, i.ours, i.info, rule));
        const p = pool(rs.map((r) => r.comparison));
        process.stdout.write(JSON.stringify({ rule, across: +p.across.error.toFixed(3), along: +p.along.error.toFixed(3), zoneVisits: +p.zoneVisits.error.toFixed(3), medianDwellMaxError: +p.medianDwellMaxError.toFixed(3), links: rs.map((r) => r.ours.Links) }) + '\n');
      }
