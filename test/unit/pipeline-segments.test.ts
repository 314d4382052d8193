/** The segment plan and a range's ffmpeg arguments (pipeline/segments.ts). */
import { planSegments, rangeArgs } from '../../containers/tracker/src/pipeline/segments.js';

describe('planSegments', () => {
  it('runs a short video as one segment, however many workers there are', () => {
    const plan = planSegments({ fps: 25, frameCount: 25 * 110 }, 2, { parallelism: 16 });
    expect(plan.segments).toEqual([{ index: 0, startFrame: 0, range: { startFrame: 0 } }]);
  });

  it('cuts a 6 h video into one segment per worker, on the cadence, each running 5 s into the next', () => {
    const fps = 30000 / 1001;
    const frameCount = Math.round(6 * 3600 * fps);
    const plan = planSegments({ fps, frameCount }, 2, { parallelism: 50 });
    expect(plan.segments).toHaveLength(50);
    expect(plan.overlapFrames).toBe(150);
    plan.segments.forEach((s, k) => {
      expect(s.startFrame % 2).toBe(0);
      if (k > 0) expect(s.startFrame).toBe(plan.segments[k - 1].ownEndFrame);
      if (s.ownEndFrame !== undefined) expect(s.range.endFrame).toBe(s.ownEndFrame + plan.overlapFrames);
    });
    expect(plan.segments[49].range.endFrame).toBeUndefined();
    expect(plan.segmentFrames / fps).toBeCloseTo((6 * 3600) / 50, -1);
  });

  it('takes an explicit segment length: PETS09-S2L1 (795 frames at 7 fps) in 30 s segments is 4 segments', () => {
    const plan = planSegments({ fps: 7, frameCount: 795 }, 1, { segmentSec: 30 });
    expect(plan.segments.map((s) => s.startFrame)).toEqual([0, 210, 420, 630]);
    expect(plan.segments.map((s) => s.range.endFrame)).toEqual([245, 455, 665, undefined]);
  });

  it('folds a last piece shorter than the overlap into the segment before, and refuses an overlap as long as a segment', () => {
    const plan = planSegments({ fps: 10, frameCount: 920 }, 1, { segmentSec: 30 });
    expect(plan.segments.map((s) => s.startFrame)).toEqual([0, 300, 600]);
    expect(plan.segments[2].range).toEqual({ startFrame: 600 });
    expect(() => planSegments({ fps: 10, frameCount: 920 }, 1, { segmentSec: 5, overlapSec: 5 })).toThrow(/shorter than a segment/);
  });
});

describe('rangeArgs', () => {
  it('seeks half a frame early and selects the unsplit cadence by time, stopping after the range', () => {
    const a = rangeArgs({ fps: 25, frameCount: 1000, isSequence: false }, 2, { startFrame: 250, endFrame: 400 });
    expect(a.seek).toEqual(['-copyts', '-start_at_zero', '-ss', '9.980000']);
    expect(a.select).toBe("select='gte(round(t*25)\\,250)*lt(round(t*25)\\,400)*not(mod(round(t*25)\\,2))',");
    expect(a.frames).toBe(75);
    expect(rangeArgs({ fps: 7, frameCount: 795, isSequence: true }, 1, { startFrame: 630 })).toEqual({ seek: [], frames: 165 });
  });
});
