/**
 * Footfall count evaluation: `npm run eval:counts -- [options]` (JSON on stdout, a table on stderr).
 *
 * For PETS09-S2L1 and TUD-Campus (PEOPLE_PATHING_DATA_DIR/mot), the raw rule on the MOTChallenge ground-truth boxes
 * (converted to GetPersonTracking persons) is the reference. Our tracker runs on the frames as `npm run eval` runs it
 * and its persons are counted under the default rule, and under the raw rule (the naive baseline). Lines across the
 * walking flow, lines along it and zones come from scripts/counts/<SEQ>.json.
 *
 *   --tracker-dir DIR   read our tracks from DIR/<SEQ>.txt (MOT rows) instead of running the tracker
 *   --save-dir DIR      write the tracker's MOT rows to DIR/<SEQ>.txt
 *   --counts-dir DIR    zone files, repeatable (default the two held-out sets, scripts/counts and
 *                       scripts/counts/heldout-b; scripts/counts/tuning is the tuning set)
 *   --rule k=v          override a default-rule parameter (smoothingSeconds, marginHeights, linkSeconds,
 *                       linkDistanceHeights, maxSpeedHeights), repeatable: for tuning
 *   --random N          score N random lines and N/2 random zones per sequence instead (drawn over where the ground
 *                       truth walks, lines classed across/along by how it crosses them: scripts/counts/random-geometry.ts)
 *   --seed S            the random geometry's seed (default 1)
 *   --details           include every analysis in the JSON
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hostname, cpus } from 'node:os';
import { loadMotSequence, parseMotText, readMotFile, type MotRow, type MotSequence } from '../containers/tracker/src/eval/index.js';
import { trackToMot } from '../containers/tracker/src/index.js';
import { DEFAULT_RULE, type PersonSample } from '../core/analytics/index.js';
import { randomZoneFile } from './counts/random-geometry.js';
import { COUNT_SEQUENCES, DWELL_MIN_VISITS, TARGETS, aspectOf, countSequence, loadZones, parseRule, poolAll, samplesOf, withinDwell, zoneFilePath, type SequenceCounts } from './counts/evaluate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'tracker-dir': { type: 'string' },
      'save-dir': { type: 'string' },
      'counts-dir': { type: 'string', multiple: true },
      rule: { type: 'string', multiple: true },
      random: { type: 'string' },
      seed: { type: 'string' },
      details: { type: 'boolean' },
    },
  });
  const rule = parseRule(values.rule);
  const random = values.random === undefined ? 0 : Number(values.random);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!(Number.isInteger(random) && random >= 0) || !Number.isInteger(seed)) throw new Error('--random N and --seed S take whole numbers');
  const randomSet = `random geometry (${random} lines, ${Math.ceil(random / 2)} zones per sequence, seed ${seed})`;
  const countsDirs = [
    ...(values['counts-dir'] ?? (random > 0 ? [] : [join(HERE, 'counts'), join(HERE, 'counts', 'heldout-b')])).map((d) => resolve(d)),
    ...(random > 0 ? [randomSet] : []),
  ];
  // Each sequence is loaded, converted and tracked (or read) once, for all zone files.
  const loaded = new Map<string, { seq: MotSequence; gt: PersonSample[]; ours: PersonSample[] }>();
  const sequence = async (name: string): Promise<{ seq: MotSequence; gt: PersonSample[]; ours: PersonSample[] }> => {
    const known = loaded.get(name);
    if (known) return known;
    const seq = await loadMotSequence(join(DATA, 'mot', name));
    let rows: MotRow[];
    if (values['tracker-dir']) rows = await readMotFile(join(resolve(values['tracker-dir']), `${name}.txt`));
    else {
      process.stderr.write(`tracking ${name}…\n`);
      const out = await trackToMot(seq.dir, {});
      rows = parseMotText(out.rows, `tracker output for ${name}`);
      if (values['save-dir']) {
        await mkdir(resolve(values['save-dir']), { recursive: true });
        await writeFile(join(resolve(values['save-dir']), `${name}.txt`), out.rows);
      }
    }
    const entry = { seq, gt: samplesOf(seq.gt, seq.info, true), ours: samplesOf(rows, seq.info, false) };
    loaded.set(name, entry);
    return entry;
  };
  const sets: { countsDir: string; results: SequenceCounts[] }[] = [];
  for (const countsDir of countsDirs) {
    const results: SequenceCounts[] = [];
    for (const name of COUNT_SEQUENCES) {
      const isRandom = countsDir === randomSet;
      const zoneFile = isRandom ? `${name}: ${randomSet}` : zoneFilePath(countsDir, name);
      if (!isRandom && !existsSync(zoneFile)) continue;
      const { seq, gt, ours } = await sequence(name);
      const zones = isRandom ? randomZoneFile(gt, aspectOf(seq.info), random, seed) : await loadZones(zoneFile);
      results.push(countSequence(name, zoneFile, zones, gt, ours, seq.info, rule));
    }
    sets.push({ countsDir, results });
  }
  const table = (title: string, results: SequenceCounts[]): string => {
    const p = poolAll(results);
    type Pooled = (typeof p)['ours'];
    // One line: a label, the reference's count, then ours, our missing/extra, naive and the rule on ground truth.
    const row = (label: string, reference: string, cell: (x: Pooled) => string, missingExtra: string, target?: number): string =>
      `${label.padEnd(18)} ${reference.padStart(10)}  ${cell(p.ours).padStart(19)}  ${missingExtra.padStart(14)}  ${cell(p.naive).padStart(22)}  ${cell(p.oracle).padStart(18)}${target === undefined ? '' : `   ≤ ${pct(target)}`}`;
    return [
      title,
      'category            reference  default rule (ours)   missing/extra   naive (raw rule, ours)   default rule (GT)   target',
      ...(['across', 'along', 'zoneVisits'] as const).map((k) =>
        row(k, String(p.ours[k].reference), (x) => `${x[k].absError} (${pct(x[k].error)})`, k === 'zoneVisits' ? '' : `${p.ours[k].missing}/${p.ours[k].extra}`, TARGETS[k])),
      row('medianDwell (max)', '', (x) => pct(x.medianDwellMaxError), '', TARGETS.medianDwell),
      row(`  zones ≥ ${DWELL_MIN_VISITS} visits`, '', (x) => pct(x.medianDwellMaxErrorMin5), ''),
      row(`  … within ${pct(TARGETS.medianDwell)}`, '', (x) => `${x.medianDwellWithinMin5} of ${x.medianDwellZonesMin5}`, ''),
      row('dwell per visit', String(p.ours.visitDwell.reference), (x) => `${x.visitDwell.paired} paired`, ''),
      row('  |Δ| median, p90', '', (x) => `${x.visitDwell.medianAbsMillis}, ${x.visitDwell.p90AbsMillis} ms`, ''),
      row(`  … within ${pct(TARGETS.medianDwell)}`, '', (x) => `${x.visitDwell.withinTarget} of ${x.visitDwell.paired}`, ''),
      ...(p.ours.idle.lines > 0 ? [row(`idle (${p.ours.idle.lines} lines)`, '0', (x) => String(x.idle.extra), '')] : []),
    ].join('\n');
  };
  const all = sets.flatMap((x) => x.results);
  process.stderr.write(`${[...sets.map((x) => table(x.countsDir, x.results)), ...(sets.length > 1 ? [table('all sets', all)] : [])].join('\n\n')}\n`);
  const pooled = poolAll(all);
  const { ours } = pooled;
  const report = {
    date: new Date().toISOString(),
    machine: `${hostname()} ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
    rule: { ...DEFAULT_RULE, ...rule },
    countsDirs,
    targets: TARGETS,
    pooled,
    perSet: sets.map((x) => ({ countsDir: x.countsDir, ...poolAll(x.results) })),
    meetsTargets: ours.across.error <= TARGETS.across && ours.along.error <= TARGETS.along && ours.zoneVisits.error <= TARGETS.zoneVisits && all.every((r) => r.comparison.medianDwell.every((d) => withinDwell(d.reference, d.measured))),
    sequences: sets.flatMap((x) => x.results.map((r) => ({
      countsDir: x.countsDir,
      sequence: r.sequence,
      zoneFile: r.zoneFile,
      ours: r.comparison,
      naive: r.naiveComparison,
      oracle: r.oracleComparison,
      links: r.ours.Links,
      ...(values.details ? { analyses: { groundTruth: r.groundTruth, ours: r.ours, naive: r.naive } } : {}),
    }))),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
