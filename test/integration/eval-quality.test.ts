/**
 * End-to-end tracking quality: the real engine (ffmpeg decode → YOLOX-nano ONNX detector → tracker) on every
 * shared sequence that has both frames and ground truth, scored with the evaluation library (TrackEval
 * definitions, MOT15 zero-flag rows as "don't care").
 *
 * The floors are a regression guard, not a target. They were measured on 2026-11-25 (14:45 UTC), engine
 * commit 1189199, default TrackOptions (every frame, default model), on the 2-core dev machine with
 * `npm run eval -- ../shared/data/mot/PETS09-S2L1 ../shared/data/mot/TUD-Campus`:
 *   PETS09-S2L1  MOTA 0.671  IDF1 0.520  HOTA 0.449  (IDSW 47, FP 957, FN 467)
 *   TUD-Campus   MOTA 0.630  IDF1 0.583  HOTA 0.438  (IDSW 4,  FP 21,  FN 108)
 * Each floor is about 0.05 below that. If a tracker change really improves these, raise the floors with the new
 * measurement; if it lowers them below the floor, that is the regression this test exists to catch.
 */
import { join, resolve } from 'node:path';
import { evaluateSequence, loadMotSequence, parseMotText, type EvaluationResult } from '../../containers/tracker/src/eval/index.js';
import { trackToMot } from '../../containers/tracker/src/index.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));

const FLOORS: Record<string, { MOTA: number; IDF1: number }> = {
  'PETS09-S2L1': { MOTA: 0.62, IDF1: 0.47 },
  'TUD-Campus': { MOTA: 0.58, IDF1: 0.53 },
};

describe('tracking quality on the shared MOT sequences (regression floors)', () => {
  const results: Record<string, EvaluationResult> = {};

  beforeAll(async () => {
    for (const name of Object.keys(FLOORS)) {
      const seq = await loadMotSequence(join(DATA, 'mot', name));
      const out = await trackToMot(seq.dir);
      results[name] = evaluateSequence(seq.gt, parseMotText(out.rows, `${name} tracker output`), {
        name,
        numFrames: seq.info.seqLength,
      });
    }
    const line = (r: EvaluationResult) =>
      `${r.name}: HOTA ${r.summary.HOTA.toFixed(3)} MOTA ${r.summary.MOTA.toFixed(3)} IDF1 ${r.summary.IDF1.toFixed(3)} ` +
      `IDSW ${r.summary.IDSW} FP ${r.summary.FP} FN ${r.summary.FN}`;
    process.stderr.write(`${Object.values(results).map(line).join('\n')}\n`);
  });

  it.each(Object.keys(FLOORS))('%s: MOTA and IDF1 stay above their floors', (name) => {
    const r = results[name];
    // Tracked every frame of the sequence and produced confirmed tracks.
    expect(r.counts.frames).toBeGreaterThan(0);
    expect(r.counts.trackerIds).toBeGreaterThan(0);
    expect(r.summary.MOTA).toBeGreaterThanOrEqual(FLOORS[name].MOTA);
    expect(r.summary.IDF1).toBeGreaterThanOrEqual(FLOORS[name].IDF1);
  });
});
