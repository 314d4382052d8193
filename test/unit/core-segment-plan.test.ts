import { splitPlan, splitSettingsFrom } from '../../core/segment-plan.js';

// A 90-minute video at 30000/1001 fps, as the header reader and the probe both describe it.
const ninety = { fps: 30000 / 1001, frameCount: Math.round(5400 * (30000 / 1001)), durationMillis: 5_400_000 };

describe('the AWS split rule (core/segment-plan.ts)', () => {
  test('the stack settings come from the Lambda environment; a value that is not a number is refused', () => {
    expect(splitSettingsFrom({ TRACKER_SEGMENT_PARALLELISM: '4', TRACKER_SEGMENT_MIN_SECONDS: '2640' })).toEqual({ parallelism: 4, minSplitSec: 2640 });
    expect(splitSettingsFrom({})).toEqual({ parallelism: 1 });
    expect(splitSettingsFrom({ TRACKER_SEGMENT_PARALLELISM: '3', TRACKER_SEGMENT_SECONDS: '8', TRACKER_OVERLAP_SECONDS: '0' })).toEqual({
      parallelism: 3,
      segmentSec: 8,
      overlapSec: 0,
    });
    expect(() => splitSettingsFrom({ TRACKER_SEGMENT_MIN_SECONDS: 'soon' })).toThrow(/TRACKER_SEGMENT_MIN_SECONDS/);
  });

  test('below the threshold, with parallelism 1, or as one segment: no plan (one unsplit job)', () => {
    expect(splitPlan(ninety, { parallelism: 4, minSplitSec: 5401 })).toBeUndefined();
    expect(splitPlan(ninety, { parallelism: 1 })).toBeUndefined();
    expect(splitPlan({ fps: 25, frameCount: 2500, durationMillis: 100_000 }, { parallelism: 4 })).toBeUndefined();
  });

  test('at the threshold: four segments on the 15 Hz grid, overlapping by 5 s, covering every frame', () => {
    const plan = splitPlan(ninety, { parallelism: 4, minSplitSec: 5400 });
    expect(plan?.step).toBe(2);
    expect(plan?.segments).toHaveLength(4);
    for (const s of plan?.segments ?? []) expect(s.startFrame % 2).toBe(0);
    const [a, b] = plan?.segments ?? [];
    expect(a.range.endFrame).toBe((a.ownEndFrame as number) + (plan?.overlapFrames as number));
    expect(b.startFrame).toBe(a.ownEndFrame);
    expect(plan?.overlapFrames).toBe(150);
    expect(plan?.segments.at(-1)?.range.endFrame).toBeUndefined();
  });
});
