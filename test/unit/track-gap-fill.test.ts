/**
 * Gap filling (track/gap-fill.ts): a person the tracker follows through a short occlusion is reported in every
 * frame of it, on the straight line between where they were last seen and where they reappear.
 */
import { createTracker, GapFiller, type Box, type FilledSample, type TrackedPerson } from '../../containers/tracker/src/track/index.js';

const person = (index: number, box: Box, score = 0.8): TrackedPerson => ({ index, box, score });

/** Pushes frames at `fps` (persons per frame) through a filler and returns everything it released, in order. */
function fillAll(frames: TrackedPerson[][], fps: number, maxGapSec: number): Array<FilledSample<number>> {
  const filler = new GapFiller<number>(maxGapSec);
  const out: Array<FilledSample<number>> = [];
  frames.forEach((persons, f) => out.push(...filler.push(f / fps, f, persons)));
  out.push(...filler.flush());
  return out;
}

describe('GapFiller', () => {
  // Index 0 walks right 10 px a frame and is missing in frames 3–5; index 1 stands still throughout.
  const walk = (f: number): Box => [100 + 10 * f, 50, 140 + 10 * f, 150];
  const still: Box = [400, 60, 440, 160];
  const frames = Array.from({ length: 10 }, (_, f) => [
    ...(f >= 3 && f <= 5 ? [] : [person(0, walk(f), f < 3 ? 0.6 : 0.9)]),
    person(1, still),
  ]);

  it('fills a gap shorter than maxGapSec with boxes on the line between the two sightings', () => {
    const out = fillAll(frames, 10, 0.5);
    expect(out.map((s) => s.sample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const s of out) {
      expect(s.persons.map((p) => p.index)).toEqual([0, 1]);
      const p0 = s.persons[0];
      p0.box.forEach((v, k) => expect(v).toBeCloseTo(walk(s.sample)[k], 6));
      expect(p0.interpolated === true).toBe(s.sample >= 3 && s.sample <= 5);
      expect(s.persons[1]).toEqual(person(1, still));
    }
    // The score goes from the last sighting's to the next one's.
    expect(out[4].persons[0].score).toBeCloseTo(0.6 + (0.9 - 0.6) * (2 / 4), 6);
  });

  it('leaves a gap longer than maxGapSec empty', () => {
    const out = fillAll(frames, 10, 0.3); // the gap is 0.4 s (frame 2 to frame 6)
    expect(out.filter((s) => s.persons.some((p) => p.index === 0)).map((s) => s.sample)).toEqual([0, 1, 2, 6, 7, 8, 9]);
    expect(out.flatMap((s) => s.persons).some((p) => p.interpolated)).toBe(false);
  });

  it('holds a frame only until no later one can fill it (maxGapSec of video), and passes through with 0', () => {
    const filler = new GapFiller<number>(0.25);
    const released: number[][] = [];
    for (let f = 0; f < 6; f++) released.push(filler.push(f / 10, f, []).map((s) => s.sample));
    // At 10 fps a frame is final once the newest is more than 0.25 s later: three frames behind.
    expect(released).toEqual([[], [], [], [0], [1], [2]]);
    expect(filler.flush().map((s) => s.sample)).toEqual([3, 4, 5]);
    const through = new GapFiller<number>(0);
    expect(through.push(0, 7, [person(2, still)])).toEqual([{ timeSec: 0, sample: 7, persons: [person(2, still)] }]);
  });

  it('rejects times that do not increase and a negative maxGapSec', () => {
    const filler = new GapFiller<number>(1);
    filler.push(1, 0, []);
    expect(() => filler.push(1, 1, [])).toThrow(/increase/);
    expect(() => new GapFiller(-1)).toThrow(/maxGapSec/);
  });
});

describe.each([7, 30])('tracker + gap filling at %i fps', (fps) => {
  it('reports a person hidden for 0.7 s in every frame, under one Index, close to where they walked', () => {
    const truth = (t: number): Box => [100 + 80 * t, 200, 140 + 80 * t, 300];
    const hidden = (t: number): boolean => t >= 1.5 && t < 2.2;
    const tracker = createTracker({ frameRate: fps, appearance: false });
    const filler = new GapFiller<number>(tracker.config.fillGapSec);
    const out: Array<FilledSample<number>> = [];
    const n = 4 * fps;
    for (let f = 0; f < n; f++) {
      const t = f / fps;
      const dets = hidden(t) ? [] : [{ box: truth(t), score: 0.85 }];
      out.push(...filler.push(t, f, tracker.update(dets, t)));
    }
    out.push(...filler.flush());
    expect(out.map((s) => s.sample)).toEqual(Array.from({ length: n }, (_, f) => f));
    const occluded = out.filter((s) => hidden(s.timeSec));
    expect(occluded.length).toBeGreaterThan(3);
    // Every frame after the first (unconfirmed) reports Index 0, on the person: interpolated while hidden.
    for (const s of out.slice(1)) {
      expect(s.persons.map((p) => p.index)).toEqual([0]);
      const [x1] = s.persons[0].box;
      expect(Math.abs(x1 - truth(s.timeSec)[0])).toBeLessThan(4);
      expect(s.persons[0].interpolated === true).toBe(hidden(s.timeSec));
    }
  });
});
