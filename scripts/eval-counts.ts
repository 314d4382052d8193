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
import { loadMotSequence, parseMotText, readMotFile, type MotRow } from '../containers/tracker/src/eval/index.js';
import { trackToMot } from '../containers/tracker/src/index.js';
import { DEFAULT_RULE, type AnalyseOptions } from '../core/analytics/index.js';
import { randomZoneFile } from './counts/random-geometry.js';
import { COUNT_SEQUENCES, DWELL_MIN_VISITS, TARGETS, countSequence, loadZones, pool, samplesOf, zoneFilePath, type SequenceCounts } from './counts/evaluate.js';

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
  const rule: AnalyseOptions = {};
  for (const kv of values.rule ?? []) {
    const [k, v] = kv.split('=');
    if (!(k in DEFAULT_RULE) || !Number.isFinite(Number(v))) throw new Error(`--rule ${kv}: expected one of ${Object.keys(DEFAULT_RULE).join(', ')} = a number`);
    (rule as Record<string, number>)[k] = Number(v);
  }
  const random = values.random === undefined ? 0 : Number(values.random);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!(Number.isInteger(random) && random >= 0) || !Number.isInteger(seed)) throw new Error('--random N and --seed S take whole numbers');
  const randomSet = `random geometry (${random} lines, ${Math.ceil(random / 2)} zones per sequence, seed ${seed})`;
  const countsDirs = [
    ...(values['counts-dir'] ?? (random > 0 ? [] : [join(HERE, 'counts'), join(HERE, 'counts', 'heldout-b')])).map((d) => resolve(d)),
    ...(random > 0 ? [randomSet] : []),
  ];
  const tracked = new Map<string, MotRow[]>();
  const sets: { countsDir: string; results: SequenceCounts[] }[] = [];
  for (const countsDir of countsDirs) {
    const results: SequenceCounts[] = [];
    for (const name of COUNT_SEQUENCES) {
      const seq = await loadMotSequence(join(DATA, 'mot', name));
      const gt = samplesOf(seq.gt, seq.info, true);
      const isRandom = countsDir === randomSet;
      const zoneFile = isRandom ? `${name}: ${randomSet}` : zoneFilePath(countsDir, name);
      if (!isRandom && !existsSync(zoneFile)) continue;
      const zones = isRandom ? randomZoneFile(gt, (seq.info.imWidth ?? 16) / (seq.info.imHeight ?? 9), random, seed) : await loadZones(zoneFile);
      let rows = tracked.get(name);
      const saved = values['tracker-dir'] ? join(resolve(values['tracker-dir']), `${name}.txt`) : undefined;
      if (rows) {
        // tracked once for all zone files
      } else if (saved) rows = await readMotFile(saved);
      else {
        process.stderr.write(`tracking ${name}…\n`);
        const out = await trackToMot(seq.dir, {});
        rows = parseMotText(out.rows, `tracker output for ${name}`);
        if (values['save-dir']) {
          await mkdir(resolve(values['save-dir']), { recursive: true });
          await writeFile(join(resolve(values['save-dir']), `${name}.txt`), out.rows);
        }
      }
      tracked.set(name, rows);
      results.push(countSequence(name, zoneFile, zones, gt, samplesOf(rows, seq.info, false), seq.info, rule));
    }
    sets.push({ countsDir, results });
  }
  const table = (title: string, results: SequenceCounts[]): string => {
    const ours = pool(results.map((r) => r.comparison));
    const naive = pool(results.map((r) => r.naiveComparison));
    const oracle = pool(results.map((r) => r.oracleComparison));
    return [
      title,
      'category            reference  default rule (ours)   missing/extra   naive (raw rule, ours)   default rule (GT)   target',
      ...(['across', 'along', 'zoneVisits'] as const).map((k) =>
        `${k.padEnd(18)} ${String(ours[k].reference).padStart(10)}  ${`${ours[k].absError} (${pct(ours[k].error)})`.padStart(19)}  ${(k === 'zoneVisits' ? '' : `${ours[k].missing}/${ours[k].extra}`).padStart(14)}  ${`${naive[k].absError} (${pct(naive[k].error)})`.padStart(22)}  ${`${oracle[k].absError} (${pct(oracle[k].error)})`.padStart(18)}   ≤ ${pct(TARGETS[k])}`),
      `${'medianDwell (max)'.padEnd(18)} ${''.padStart(10)}  ${pct(ours.medianDwellMaxError).padStart(19)}  ${''.padStart(14)}  ${pct(naive.medianDwellMaxError).padStart(22)}  ${pct(oracle.medianDwellMaxError).padStart(18)}   ≤ ${pct(TARGETS.medianDwell)}`,
      `${`  zones ≥ ${DWELL_MIN_VISITS} visits`.padEnd(18)} ${''.padStart(10)}  ${pct(ours.medianDwellMaxErrorMin5).padStart(19)}  ${''.padStart(14)}  ${pct(naive.medianDwellMaxErrorMin5).padStart(22)}  ${pct(oracle.medianDwellMaxErrorMin5).padStart(18)}`,
      `${`  … within ${pct(TARGETS.medianDwell)}`.padEnd(18)} ${''.padStart(10)}  ${`${ours.medianDwellWithinMin5} of ${ours.medianDwellZonesMin5}`.padStart(19)}  ${''.padStart(14)}  ${`${naive.medianDwellWithinMin5} of ${naive.medianDwellZonesMin5}`.padStart(22)}  ${`${oracle.medianDwellWithinMin5} of ${oracle.medianDwellZonesMin5}`.padStart(18)}`,
      ...(ours.idle.lines > 0 ? [`${`idle (${ours.idle.lines} lines)`.padEnd(18)} ${'0'.padStart(10)}  ${String(ours.idle.extra).padStart(19)}  ${''.padStart(14)}  ${String(naive.idle.extra).padStart(22)}  ${String(oracle.idle.extra).padStart(18)}`] : []),
    ].join('\n');
  };
  const all = sets.flatMap((x) => x.results);
  process.stderr.write(`${[...sets.map((x) => table(x.countsDir, x.results)), ...(sets.length > 1 ? [table('all sets', all)] : [])].join('\n\n')}\n`);
  const ours = pool(all.map((r) => r.comparison));
  const naive = pool(all.map((r) => r.naiveComparison));
  const oracle = pool(all.map((r) => r.oracleComparison));
  const report = {
    date: new Date().toISOString(),
    machine: `${hostname()} ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
    rule: { ...DEFAULT_RULE, ...rule },
    countsDirs,
    targets: TARGETS,
    pooled: { ours, naive, oracle },
    perSet: sets.map((x) => ({ countsDir: x.countsDir, ours: pool(x.results.map((r) => r.comparison)), naive: pool(x.results.map((r) => r.naiveComparison)), oracle: pool(x.results.map((r) => r.oracleComparison)) })),
    meetsTargets: ours.across.error <= TARGETS.across && ours.along.error <= TARGETS.along && ours.zoneVisits.error <= TARGETS.zoneVisits && ours.medianDwellMaxError <= TARGETS.medianDwell,
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
