/**
 * The metrics against an external reference: mmtracking's own test
 * (tests/test_data/test_datasets/test_mot_challenge_dataset.py::test_mot15_track_evaluation) scores the
 * tracker output in metrics/mmtracking_MOT15_TUD/results/ against the MOT15 ground truth of TUD-Campus and
 * TUD-Stadtmitte (IoU 0.5, both sequences together) and expects, rounded to 3 places:
 *   IDF1 0.624, IDP 0.799, MOTA 0.555, 14 ID switches, HOTA 0.400.
 * MOT15-format files: no class filtering; all gt flags are 1, so the zero-flag handling does not matter here.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describeWithData } from './engine-data.js';
import {
  combine,
  evaluateSequence,
  loadMotSequence,
  readMotFile,
  type EvaluationResult,
} from '../../containers/tracker/src/eval/index.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

const describeData = describeWithData(join(DATA, 'mot', 'TUD-Campus', 'gt', 'gt.txt'), join(DATA, 'metrics', 'mmtracking_MOT15_TUD', 'results'));

describeData('TUD reference (mmtracking test_mot15_track_evaluation)', () => {
  let perSeq: EvaluationResult[];
  let all: EvaluationResult;

  beforeAll(async () => {
    perSeq = [];
    for (const name of ['TUD-Campus', 'TUD-Stadtmitte']) {
      const seq = await loadMotSequence(join(DATA, 'mot', name));
      const tracker = await readMotFile(join(DATA, 'metrics', 'mmtracking_MOT15_TUD', 'results', `${name}.txt`));
      perSeq.push(evaluateSequence(seq.gt, tracker, { name, numFrames: seq.info.seqLength }));
    }
    all = combine(perSeq);
  });

  it('reproduces the five expected numbers over both sequences', () => {
    const s = all.summary;
    expect(round3(s.IDF1)).toBe(0.624);
    expect(round3(s.IDP)).toBe(0.799);
    expect(round3(s.MOTA)).toBe(0.555);
    expect(s.IDSW).toBe(14);
    expect(round3(s.HOTA)).toBe(0.4);
  });

  it('reads both files as MOT15 and counts every box', () => {
    expect(perSeq.map((r) => r.benchmark)).toEqual(['MOT15', 'MOT15']);
    // gt.txt: 359 and 1156 rows; results: 222 and 749 rows (SOURCES.md / wc -l).
    expect(perSeq.map((r) => r.counts.gtDets)).toEqual([359, 1156]);
    expect(perSeq.map((r) => r.counts.trackerDets)).toEqual([222, 749]);
    expect(all.summary.TP + all.summary.FN).toBe(359 + 1156);
    expect(all.summary.TP + all.summary.FP).toBe(222 + 749);
  });

  it('npm run eval scores an existing tracker folder and reports the same COMBINED numbers as JSON', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join('node_modules', 'tsx', 'dist', 'cli.mjs'),
        'scripts/eval.ts',
        '--json',
        '--tracker-dir',
        join(DATA, 'metrics', 'mmtracking_MOT15_TUD', 'results'),
        join(DATA, 'mot', 'TUD-Campus'),
        join(DATA, 'mot', 'TUD-Stadtmitte'),
      ],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const report = JSON.parse(stdout) as { sequences: Array<{ name: string }>; combined: Record<string, number> };
    expect(report.sequences.map((s) => s.name)).toEqual(['TUD-Campus', 'TUD-Stadtmitte']);
    expect(report.combined.IDSW).toBe(14);
    expect(report.combined.HOTA).toBeCloseTo(all.summary.HOTA, 12);
    expect(round3(report.combined.IDF1)).toBe(0.624);
    expect(round3(report.combined.MOTA)).toBe(0.555);
  });
});
