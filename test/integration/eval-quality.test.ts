/**
 * End-to-end tracking quality. The real engine runs on every shared sequence that has both frames and ground
 * truth: ffmpeg decode → YOLOX-nano ONNX detector → tracker, once motion-only and once with re-ID appearance.
 * The result is scored with the evaluation library (TrackEval definitions and its exact MOT15 rule: zero-flag gt
 * rows are dropped, tracker boxes on them are false positives — the protocol of the ByteTrack baseline).
 *
 * The floors guard against regressions. Measured 2026-11-25 (17:30 UTC, births next to a tracked person need 0.7;
 * re-ID rows 2026-12-07, appearance no longer vetoes a sole motion match, ADR 0006) on the 2-core dev machine, CPU,
 * every frame, default detector and re-ID model:
 *   npm run eval -- --no-appearance ../shared/data/mot/PETS09-S2L1 ../shared/data/mot/TUD-Campus   (≈ 16 s)
 *   npm run eval -- --appearance    ../shared/data/mot/PETS09-S2L1 ../shared/data/mot/TUD-Campus   (≈ 18 s)
 *                          MOTA   IDF1   HOTA  IDSW
 *   motion    PETS09-S2L1  0.792  0.744  0.564  14
 *   motion    TUD-Campus   0.655  0.727  0.536   4
 *   re-ID     PETS09-S2L1  0.797  0.862  0.625  13
 *   re-ID     TUD-Campus   0.738  0.859  0.605   0
 * MOTA, IDF1 and HOTA floors are about 0.05 below the measurement, except where issue 7 sets a target the tracker
 * meets (re-ID PETS09: HOTA 0.60, IDF1 0.80, at most 15 ID switches; TUD-Campus: above ByteTrack's HOTA 0.492 and
 * IDF1 0.664): there the guard is the target. Elsewhere ID switches may rise by a few (one merged box more or less
 * moves them by 1–3). When a tracker change really improves these numbers, move the guards with it. A result past a
 * guard is the regression this test exists to catch.
 */
import { join, resolve } from 'node:path';
import { evaluateSequence, loadMotSequence, parseMotText } from '../../containers/tracker/src/eval/index.js';
import { trackToMot } from '../../containers/tracker/src/index.js';
import { describeWithData, MODELS } from './engine-data.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));

type Mode = 'motion' | 'appearance';
/** Floors for MOTA, IDF1 and HOTA; a ceiling for ID switches. */
const GUARDS: Record<Mode, Record<string, { MOTA: number; IDF1: number; HOTA: number; maxIDSW: number }>> = {
  motion: {
    'PETS09-S2L1': { MOTA: 0.74, IDF1: 0.69, HOTA: 0.51, maxIDSW: 18 },
    'TUD-Campus': { MOTA: 0.6, IDF1: 0.67, HOTA: 0.492, maxIDSW: 7 },
  },
  appearance: {
    'PETS09-S2L1': { MOTA: 0.74, IDF1: 0.8, HOTA: 0.6, maxIDSW: 15 },
    'TUD-Campus': { MOTA: 0.69, IDF1: 0.81, HOTA: 0.56, maxIDSW: 4 },
  },
};

const cases = (Object.keys(GUARDS) as Mode[]).flatMap((mode) => Object.keys(GUARDS[mode]).map((seq) => [mode, seq] as const));

const describeData = describeWithData(
  join(MODELS, 'yolox_nano_416x416.onnx'),
  join(MODELS, 'person-reidentification-retail-0288.onnx'),
  ...Object.keys(GUARDS.motion).map((seq) => join(DATA, 'mot', seq, 'img1')),
);

describeData('tracking quality on the shared MOT sequences (regression guards)', () => {
  it.each(cases)('%s tracking on %s: MOTA, IDF1 and HOTA stay above their floors, ID switches under their ceiling', async (mode, name) => {
    const seq = await loadMotSequence(join(DATA, 'mot', name));
    const out = await trackToMot(seq.dir, { appearance: mode === 'appearance' });
    const r = evaluateSequence(seq.gt, parseMotText(out.rows, `${name} tracker output`), { name, numFrames: seq.info.seqLength });
    process.stderr.write(
      `${mode} ${name}: HOTA ${r.summary.HOTA.toFixed(3)} MOTA ${r.summary.MOTA.toFixed(3)} IDF1 ${r.summary.IDF1.toFixed(3)} ` +
        `IDSW ${r.summary.IDSW} FP ${r.summary.FP} FN ${r.summary.FN}\n`,
    );
    expect(r.counts.trackerIds).toBeGreaterThan(0);
    const g = GUARDS[mode][name];
    expect(r.summary.MOTA).toBeGreaterThanOrEqual(g.MOTA);
    expect(r.summary.IDF1).toBeGreaterThanOrEqual(g.IDF1);
    expect(r.summary.HOTA).toBeGreaterThanOrEqual(g.HOTA);
    expect(r.summary.IDSW).toBeLessThanOrEqual(g.maxIDSW);
  });
});
