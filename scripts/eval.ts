/**
 * MOT evaluation of the tracker: `npm run eval -- [options] <sequence-dir>...`
 *
 * Each sequence dir is a MOTChallenge folder (img1/, gt/gt.txt, seqinfo.ini). For each one the tracker runs
 * on the frames (the engine's trackToMot), or an existing output is read (--results / --tracker-dir), and is
 * scored with TrackEval's definitions (HOTA, CLEAR, Identity) after MOTChallenge preprocessing. Prints a table
 * (and the COMBINED row over all sequences); --json prints a JSON report on stdout instead (table on stderr).
 *
 * Options:
 *   --results FILE      tracker output (MOT rows) for the sequence dirs, in order; repeat once per sequence
 *   --tracker-dir DIR   tracker outputs as DIR/<SEQ>.txt (SEQ = seqinfo name, else the folder name)
 *   --save-dir DIR      write the tracker's MOT rows to DIR/<SEQ>.txt (to rescore later with --tracker-dir)
 *   --model PATH        detector model passed to the engine
 *   --appearance / --no-appearance   force appearance (re-ID) association on / off (default: the engine's)
 *   --benchmark B       gt layout MOT15 | MOT17 | MOT20 (default: detected from gt.txt)
 *   --zero-flag-dont-care  MOT15: also remove tracker boxes matched to zero-flag gt (default: TrackEval's rule,
 *                          zero-flag gt dropped and tracker boxes on it are FPs)
 *   --json              JSON report on stdout
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  combine,
  evaluateSequence,
  formatTable,
  loadMotSequence,
  parseMotText,
  readMotFile,
  type EvaluationResult,
  type MotBenchmark,
  type MotRow,
} from '../containers/tracker/src/eval/index.js';
import { trackToMot, type TrackOptions } from '../containers/tracker/src/index.js';

const USAGE = 'usage: npm run eval -- [--json] [--results FILE]... [--tracker-dir DIR] [--save-dir DIR] [--model PATH] [--appearance|--no-appearance] [--benchmark MOT15|MOT17|MOT20] [--zero-flag-dont-care] <sequence-dir>...';

interface TrackerRun {
  rows: MotRow[];
  source: string;
  timings?: unknown;
}

async function runTracker(seqDir: string, model: string | undefined, appearance: boolean | undefined): Promise<TrackerRun> {
  const options: TrackOptions = {
    ...(model ? { modelPath: model } : {}),
    ...(appearance === undefined ? {} : { appearance }),
  };
  const out = await trackToMot(seqDir, options);
  return { rows: parseMotText(out.rows, `tracker output for ${seqDir}`), source: 'tracker', timings: out.timings };
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        results: { type: 'string', multiple: true },
        'tracker-dir': { type: 'string' },
        'save-dir': { type: 'string' },
        model: { type: 'string' },
        appearance: { type: 'boolean' },
        'no-appearance': { type: 'boolean' },
        benchmark: { type: 'string' },
        'zero-flag-dont-care': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  const seqDirs = args.positionals;
  if (v.help || seqDirs.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return v.help ? 0 : 2;
  }
  const results = v.results ?? [];
  if (results.length > 0 && results.length !== seqDirs.length) {
    process.stderr.write(`--results given ${results.length} times for ${seqDirs.length} sequence(s): give one per sequence\n`);
    return 2;
  }
  if (v.benchmark && !['MOT15', 'MOT17', 'MOT20'].includes(v.benchmark)) {
    process.stderr.write(`--benchmark must be MOT15, MOT17 or MOT20\n`);
    return 2;
  }
  const benchmark = v.benchmark as MotBenchmark | undefined;

  const evaluated: Array<EvaluationResult & { source: string; timings?: unknown }> = [];
  let failures = 0;
  for (let k = 0; k < seqDirs.length; k++) {
    const dir = resolve(seqDirs[k]);
    try {
      const seq = await loadMotSequence(dir);
      let run: TrackerRun;
      if (results.length > 0) {
        run = { rows: await readMotFile(results[k]), source: resolve(results[k]) };
      } else if (v['tracker-dir']) {
        const file = join(resolve(v['tracker-dir']), `${seq.name}.txt`);
        if (!existsSync(file)) throw new Error(`no tracker output ${file}`);
        run = { rows: await readMotFile(file), source: file };
      } else {
        if (!seq.hasFrames) throw new Error(`${dir} has no frames (img1/); score an existing output with --results or --tracker-dir`);
        process.stderr.write(`tracking ${seq.name}…\n`);
        run = await runTracker(dir, v.model, v['no-appearance'] ? false : v.appearance);
        if (v['save-dir']) {
          await mkdir(resolve(v['save-dir']), { recursive: true });
          const text = run.rows.map((r) => `${r.frame},${r.id},${r.x},${r.y},${r.w},${r.h},${r.flag},-1,-1,-1`).join('\n');
          await writeFile(join(resolve(v['save-dir']), `${seq.name}.txt`), `${text}\n`);
        }
      }
      const r = evaluateSequence(seq.gt, run.rows, {
        name: seq.name,
        numFrames: seq.info.seqLength,
        benchmark,
        zeroFlag: v['zero-flag-dont-care'] ? 'dont-care' : 'drop-gt',
      });
      evaluated.push({ ...r, source: run.source, timings: run.timings });
    } catch (e) {
      failures++;
      process.stderr.write(`${dir}: ${(e as Error).message}\n`);
    }
  }
  if (evaluated.length === 0) return 1;

  const rowsOut: EvaluationResult[] = [...evaluated];
  if (evaluated.length > 1) rowsOut.push(combine(evaluated));
  const table = formatTable(rowsOut);
  if (v.json) {
    process.stderr.write(`${table}\n`);
    const report = {
      protocol: {
        matching: 'TrackEval: HOTA over alpha 0.05..0.95; CLEAR and Identity at IoU >= 0.5',
        zeroFlag: v['zero-flag-dont-care'] ? "don't care" : 'drop-gt (TrackEval MOT15)',
      },
      sequences: evaluated.map((r) => ({ name: r.name, benchmark: r.benchmark, source: r.source, counts: r.counts, metrics: r.summary, timings: r.timings })),
      combined: evaluated.length > 1 ? combine(evaluated).summary : evaluated[0].summary,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
