/**
 * Hand-built cases for the MOT metrics, each with the answer worked out by hand in the comments from
 * TrackEval's definitions (hota.py, clear.py, identity.py, mot_challenge_2d_box.py).
 * Boxes are "frame,id,x,y,w,h,flag" MOT rows; boxes of different objects are far apart (IoU 0).
 */
import { combine, evaluateSequence, parseMotText, type EvaluationResult } from '../../containers/tracker/src/eval/index.js';

const rows = (lines: string[]) => parseMotText(lines.join('\n'));
/** Object A lives at x=0, object B at x=100 (IoU 0 with each other). */
const A = (f: number, id: number, flag = 1) => `${f},${id},0,0,10,20,${flag},-1,-1,-1`;
const B = (f: number, id: number, flag = 1) => `${f},${id},100,0,10,20,${flag},-1,-1,-1`;
const frames = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function score(gt: string[], tr: string[], opts = {}): EvaluationResult {
  return evaluateSequence(rows(gt), rows(tr), opts);
}

describe('MOT metrics on hand-built cases', () => {
  it('perfect tracking scores 1 everywhere', () => {
    // 2 people × 3 frames, tracker identical (its own ids 7 and 8): every box a TP with IoU 1 at every alpha.
    const gt = frames(3).flatMap((f) => [A(f, 1), B(f, 2)]);
    const tr = frames(3).flatMap((f) => [A(f, 7), B(f, 8)]);
    const s = score(gt, tr).summary;
    for (const k of ['HOTA', 'DetA', 'AssA', 'LocA', 'MOTA', 'MOTP', 'IDF1', 'IDP', 'IDR'] as const) expect(s[k]).toBeCloseTo(1, 12);
    expect([s.IDSW, s.FP, s.FN, s.Frag, s.TP, s.MT, s.ML]).toEqual([0, 0, 0, 0, 6, 2, 0]);
  });

  it('an ID swap costs two switches, half the identity score and a third of association', () => {
    // 4 frames. Tracker id 1 follows A in frames 1-2 then B in 3-4; id 2 does the opposite.
    // CLEAR: frame 3, A's previous tracker (1) no longer overlaps it, so A→2 and B→1: IDSW = 2.
    //   TP 8, FP 0, FN 0 → MOTA = (8 − 0 − 2) / 8 = 0.75.
    // Identity: every (gt, tracker) pair co-occurs 2 frames; best assignment A↔1, B↔2 → IDTP 4,
    //   IDFN 4, IDFP 4 → IDF1 = IDP = IDR = 0.5.
    // HOTA: all IoUs 1, so DetA = 1. Each of the 4 pairs has TPA 2, FNA 2, FPA 2 → 2/6 = 1/3;
    //   AssA = Σ 2·(1/3) / 8 = 1/3 → HOTA = √(1/3).
    const gt = frames(4).flatMap((f) => [A(f, 1), B(f, 2)]);
    const tr = frames(4).flatMap((f) => (f <= 2 ? [A(f, 1), B(f, 2)] : [A(f, 2), B(f, 1)]));
    const s = score(gt, tr).summary;
    expect(s.IDSW).toBe(2);
    expect(s.MOTA).toBeCloseTo(0.75, 12);
    expect([s.IDTP, s.IDFN, s.IDFP]).toEqual([4, 4, 4]);
    expect(s.IDF1).toBeCloseTo(0.5, 12);
    expect(s.DetA).toBeCloseTo(1, 12);
    expect(s.AssA).toBeCloseTo(1 / 3, 12);
    expect(s.HOTA).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(s.Frag).toBe(0);
  });

  it('a missed box is one FN and one fragmentation, without an ID switch', () => {
    // A and B over 4 frames; the tracker follows both (ids 1, 2) but misses A in frame 3.
    // CLEAR: TP 7, FN 1, FP 0, IDSW 0 (A comes back to id 1) → MOTA 7/8. A's matched run restarts once → Frag 1.
    //   A tracked 3/4 = 75 % → partially tracked; B mostly tracked.
    // Identity: IDTP 7, IDFN 1, IDFP 0 → IDF1 = 7 / 7.5 = 14/15, IDR 7/8, IDP 1.
    // HOTA: DetA = 7/8. A↔1: TPA 3, gt 4, tracker 3 → 3/4; B↔2: 1. AssA = (3·3/4 + 4·1)/7 = 6.25/7.
    //   HOTA = √(7/8 · 6.25/7) = √0.78125.
    const gt = frames(4).flatMap((f) => [A(f, 1), B(f, 2)]);
    const tr = frames(4).flatMap((f) => (f === 3 ? [B(f, 2)] : [A(f, 1), B(f, 2)]));
    const s = score(gt, tr).summary;
    expect([s.TP, s.FN, s.FP, s.IDSW, s.Frag, s.MT, s.PT, s.ML]).toEqual([7, 1, 0, 0, 1, 1, 1, 0]);
    expect(s.MOTA).toBeCloseTo(7 / 8, 12);
    expect(s.IDF1).toBeCloseTo(14 / 15, 12);
    expect(s.IDR).toBeCloseTo(7 / 8, 12);
    expect(s.IDP).toBeCloseTo(1, 12);
    expect(s.DetA).toBeCloseTo(7 / 8, 12);
    expect(s.AssA).toBeCloseTo(6.25 / 7, 12);
    expect(s.HOTA).toBeCloseTo(Math.sqrt(0.78125), 12);
  });

  it('keeps TrackEval\'s quirk: a frame with no tracker box at all does not break the run (Frag 0)', () => {
    // Only A, missed in frame 3 where the tracker has no box: clear.py `continue`s before resetting the
    // previous-frame state, so frame 4 does not count as a restart. TP 3, FN 1, MOTA 0.75, Frag 0.
    const gt = frames(4).map((f) => A(f, 1));
    const tr = frames(4).filter((f) => f !== 3).map((f) => A(f, 1));
    const s = score(gt, tr).summary;
    expect([s.TP, s.FN, s.Frag]).toEqual([3, 1, 0]);
    expect(s.MOTA).toBeCloseTo(0.75, 12);
  });

  it('a false positive lowers MOTA, IDP and DetA but not association', () => {
    // A over 2 frames tracked perfectly (id 1), plus a tracker box id 9 at x=300 in frame 1.
    // CLEAR: TP 2, FP 1 → MOTA = (2 − 1)/2 = 0.5. Identity: IDTP 2, IDFP 1 → IDF1 = 2/2.5 = 0.8, IDP 2/3, IDR 1.
    // HOTA: DetA = 2/3, AssA 1 (A↔1 perfect; the FP has no TP) → HOTA = √(2/3).
    const gt = frames(2).map((f) => A(f, 1));
    const tr = [...frames(2).map((f) => A(f, 1)), '1,9,300,0,10,20,1,-1,-1,-1'];
    const s = score(gt, tr).summary;
    expect([s.TP, s.FP, s.FN, s.IDSW]).toEqual([2, 1, 0, 0]);
    expect(s.MOTA).toBeCloseTo(0.5, 12);
    expect(s.IDF1).toBeCloseTo(0.8, 12);
    expect(s.IDP).toBeCloseTo(2 / 3, 12);
    expect(s.IDR).toBeCloseTo(1, 12);
    expect(s.AssA).toBeCloseTo(1, 12);
    expect(s.HOTA).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it('CLEAR keeps last frame\'s match over a better-overlapping box (no switch), like TrackEval', () => {
    // Frame 1: A matched to tracker 1 (IoU 1). Frame 2: tracker 1 overlaps A with IoU 0.6 (box 10×20 vs
    // 10×12, 120/200), tracker 2 sits exactly on A. Score 1000 + 0.6 beats 1.0, so A stays with 1: IDSW 0,
    // tracker 2 is a FP. MOTP = (1 + 0.6)/2.
    const gt = frames(2).map((f) => A(f, 1));
    const tr = [A(1, 1), '2,1,0,0,10,12,1,-1,-1,-1', A(2, 2)];
    const s = score(gt, tr).summary;
    expect([s.TP, s.FP, s.FN, s.IDSW]).toEqual([2, 1, 0, 0]);
    expect(s.MOTP).toBeCloseTo(0.8, 12);
  });

  it('counts a box as matched from IoU 0.5 and HOTA credits it only at alphas up to its IoU', () => {
    // One frame. gt 10×20, tracker 10×21 at the same corner → IoU = 200/210 = 0.952…; a second object pair
    // at IoU 200/420 = 0.476 (tracker 10×42) is below 0.5: CLEAR FP+FN, Identity no IDTP.
    // HOTA: pair 1 is a TP at all 19 alphas; pair 2 at the 9 alphas 0.05..0.45. So per alpha TP = 2 (9×)
    // or 1 (10×), with FN = FP = 2 − TP; DetA_a = TP / (4 − TP) = 1 or 1/3, AssA_a = 1 → DetA = (9 + 10/3)/19.
    const gt = ['1,1,0,0,10,20,1,-1,-1,-1', '1,2,100,0,10,20,1,-1,-1,-1'];
    const tr = ['1,1,0,0,10,21,1,-1,-1,-1', '1,2,100,0,10,42,1,-1,-1,-1'];
    const r = score(gt, tr);
    expect([r.summary.TP, r.summary.FP, r.summary.FN]).toEqual([1, 1, 1]);
    expect(r.summary.MOTA).toBeCloseTo(0, 12);
    expect(r.summary.IDTP).toBe(1);
    expect(r.hota.TP).toEqual([...Array(9).fill(2), ...Array(10).fill(1)]);
    expect(r.summary.DetA).toBeCloseTo((9 + 10 / 3) / 19, 12);
    expect(r.summary.AssA).toBeCloseTo(1, 12);
    expect(r.summary.HOTA).toBeCloseTo((9 + 10 * Math.sqrt(1 / 3)) / 19, 12);
  });

  it('ignores zero-flag ground truth: no FN for missing it, and boxes on it are not FPs', () => {
    // A (flag 1) and Z = B position with flag 0, 2 frames; tracker boxes on both.
    // Optional "don't care" handling: the tracker boxes on Z are removed → perfect on A.
    const gt = frames(2).flatMap((f) => [A(f, 1), B(f, 2, 0)]);
    const tr = frames(2).flatMap((f) => [A(f, 1), B(f, 5)]);
    const r = score(gt, tr, { zeroFlag: 'dont-care' });
    expect(r.benchmark).toBe('MOT15');
    expect([r.summary.TP, r.summary.FP, r.summary.FN]).toEqual([2, 0, 0]);
    expect(r.counts.gtIds).toBe(1);
    expect(r.counts.removedTrackerDets).toBe(2);
    expect(r.summary.MOTA).toBeCloseTo(1, 12);
    expect(r.summary.HOTA).toBeCloseTo(1, 12);
    expect(r.summary.IDF1).toBeCloseTo(1, 12);
    // Missing the zero-flag person costs nothing, either way.
    const missed = score(gt, frames(2).map((f) => A(f, 1))).summary;
    expect([missed.FN, missed.FP, missed.MOTA]).toEqual([0, 0, 1]);
    // The default is TrackEval's exact MOT15 benchmark: it only drops the gt rows, so the 2 boxes on Z are FPs,
    // MOTA (2−2)/2 = 0.
    const strict = score(gt, tr).summary;
    expect([strict.TP, strict.FP, strict.FN]).toEqual([2, 2, 0]);
    expect(strict.MOTA).toBeCloseTo(0, 12);
  });

  it('MOT17 layout: distractor classes are removed, other non-pedestrian gt is not scored', () => {
    // 9-column gt: A pedestrian (class 1); at x=100 a static_person (class 7, a distractor, flag 0);
    // at x=200 a car (class 3, flag 0). Tracker boxes on all three, 2 frames.
    // TrackEval: the box on the static person is removed; the box on the car stays and is a FP
    // (cars are not distractors); only the pedestrian is gt. TP 2, FP 2, MOTA 0.
    const gt = frames(2).flatMap((f) => [`${f},1,0,0,10,20,1,1,1`, `${f},2,100,0,10,20,0,7,1`, `${f},3,200,0,10,20,0,3,0.5`]);
    const tr = frames(2).flatMap((f) => [A(f, 1), B(f, 2), `${f},3,200,0,10,20,1,-1,-1,-1`]);
    const r = score(gt, tr);
    expect(r.benchmark).toBe('MOT17');
    expect(r.counts.removedTrackerDets).toBe(2);
    expect([r.summary.TP, r.summary.FP, r.summary.FN]).toEqual([2, 2, 0]);
    expect(r.summary.MOTA).toBeCloseTo(0, 12);
    expect(r.summary.IDP).toBeCloseTo(0.5, 12);
  });

  it('an empty tracker output gives zeros, an empty gt gives only FPs', () => {
    const gt = frames(3).map((f) => A(f, 1));
    const none = score(gt, [], { numFrames: 3 }).summary;
    expect([none.FN, none.TP, none.HOTA, none.MOTA, none.IDF1, none.ML]).toEqual([3, 0, 0, 0, 0, 1]);
    const onlyFp = score([], gt, { numFrames: 3 }).summary;
    expect([onlyFp.FP, onlyFp.HOTA, onlyFp.IDF1]).toEqual([3, 0, 0]);
  });

  it('combines sequences like TrackEval\'s COMBINED row', () => {
    // perfect (TP 6, AssA 1) + swap (TP 8, IDSW 2, AssA 1/3):
    //   MOTA = (14 − 2)/14; IDF1 = (6 + 4)/(10 + (4 + 4)/2) = 10/14;
    //   AssA = (6·1 + 8·1/3)/14 = 26/42 at every alpha, DetA 1 → HOTA = √(26/42).
    const perfect = score(frames(3).flatMap((f) => [A(f, 1), B(f, 2)]), frames(3).flatMap((f) => [A(f, 1), B(f, 2)]));
    const swap = score(
      frames(4).flatMap((f) => [A(f, 1), B(f, 2)]),
      frames(4).flatMap((f) => (f <= 2 ? [A(f, 1), B(f, 2)] : [A(f, 2), B(f, 1)])),
    );
    const c = combine([perfect, swap]).summary;
    expect(c.MOTA).toBeCloseTo(12 / 14, 12);
    expect(c.IDSW).toBe(2);
    expect(c.IDF1).toBeCloseTo(10 / 14, 12);
    expect(c.AssA).toBeCloseTo(26 / 42, 12);
    expect(c.HOTA).toBeCloseTo(Math.sqrt(26 / 42), 12);
  });

  it('rejects rows outside the sequence and duplicate ids in a frame', () => {
    expect(() => score([A(1, 1)], [A(5, 1)], { numFrames: 3 })).toThrow(/frame 5/);
    expect(() => score([A(1, 1)], [A(1, 1), B(1, 1)])).toThrow(/twice/);
  });
});
