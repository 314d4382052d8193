/**
 * The person tracker on synthetic detection streams with known identities. Each scenario is a small world of
 * people walking in straight lines; the detector sees each visible person with a few pixels of jitter. The tests
 * check the identities a user would see: which Index each real person carries, frame by frame.
 */
import { createTracker, type Box, type Detection } from '../../containers/tracker/src/track/index.js';
import { rng } from '../fixtures/random.js';

interface Person {
  /** Box at time t, or null while the person is not detected (occluded or out of view). */
  at(t: number): Box | null;
  /** Appearance embedding (unit vector), if the scenario uses appearance. */
  embedding?: Float32Array;
  /** …or one that changes with time. */
  embeddingAt?: (t: number) => Float32Array;
}

/** A person 40×100 px walking from (x0, y0) at (vx, vy) px/s, visible when `visible(t)` is true. */
function walker(x0: number, y0: number, vx: number, vy: number, visible: (t: number) => boolean = () => true): Person {
  return {
    at: (t) => (visible(t) ? [x0 + vx * t, y0 + vy * t, x0 + vx * t + 40, y0 + vy * t + 100] : null),
  };
}

/** Unit vector near `base` direction: a per-person signature plus a little per-frame noise. */
function signature(dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(dim).map(() => r() - 0.5);
  return normalise(v);
}

function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

interface Frame {
  t: number;
  /** Index reported for each person (undefined: not reported this frame). */
  indexOf: Array<number | undefined>;
  /** Every index reported this frame. */
  reported: number[];
}

/**
 * Runs the tracker on `people` for `seconds` at `fps`, adding `extra` detections per frame (false positives),
 * and returns, per frame, the Index reported on each person (matched by best IoU with the person's true box).
 */
function run(
  people: Person[],
  opts: { fps: number; seconds: number; seed?: number; extra?: (t: number, rand: () => number) => Detection[]; tracker?: object },
): Frame[] {
  const rand = rng(opts.seed ?? 1);
  const tracker = createTracker({ frameRate: opts.fps, ...(opts.tracker ?? {}) });
  const frames: Frame[] = [];
  for (let f = 0; f < Math.round(opts.seconds * opts.fps); f++) {
    const t = f / opts.fps;
    const truth = people.map((p) => p.at(t));
    const dets: Detection[] = [];
    truth.forEach((b, i) => {
      if (!b) return;
      const j = (): number => (rand() - 0.5) * 4;
      const box: Box = [b[0] + j(), b[1] + j(), b[2] + j(), b[3] + j()];
      const emb = people[i].embeddingAt?.(t) ?? people[i].embedding;
      const noisy = emb ? normalise(emb.map((x) => x + (rand() - 0.5) * 0.02)) : undefined;
      dets.push({ box, score: 0.75 + rand() * 0.2, embedding: noisy });
    });
    dets.push(...(opts.extra?.(t, rand) ?? []));
    const out = tracker.update(dets, t);
    const indexOf = truth.map((b) => {
      if (!b) return undefined;
      let best: number | undefined;
      let bestIou = 0.5;
      for (const o of out) {
        const v = iou(o.box, b);
        if (v > bestIou) [best, bestIou] = [o.index, v];
      }
      return best;
    });
    frames.push({ t, indexOf, reported: out.map((o) => o.index) });
  }
  return frames;
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h);
}

/** The distinct indices person `p` was reported with, in order of first appearance. */
function identities(frames: Frame[], p: number): number[] {
  const seen: number[] = [];
  for (const f of frames) {
    const i = f.indexOf[p];
    if (i !== undefined && !seen.includes(i)) seen.push(i);
  }
  return seen;
}

function allReported(frames: Frame[]): number[] {
  return [...new Set(frames.flatMap((f) => f.reported))].sort((a, b) => a - b);
}

describe.each([7, 30])('person tracker at %i fps', (fps) => {
  it('gives two people who cross paths the indices 0 and 1 and keeps them through the crossing', () => {
    // A walks right, B walks left on a nearly identical line; while they overlap, only the front one (A) is seen.
    const a = walker(100, 200, 80, 0);
    const bFree = walker(500, 210, -80, 0);
    const b: Person = {
      at: (t) => {
        const bb = bFree.at(t);
        const ab = a.at(t);
        return bb && ab && iou(ab, bb) > 0.3 ? null : bb;
      },
    };
    const frames = run([a, b], { fps, seconds: 5 });
    expect(identities(frames, 0)).toEqual([0]);
    expect(identities(frames, 1)).toEqual([1]);
    // Both are tracked again after the crossing, each with its own index.
    const last = frames[frames.length - 1];
    expect(last.indexOf).toEqual([0, 1]);
    // B really was hidden for a while.
    expect(frames.some((f) => b.at(f.t) === null)).toBe(true);
  });

  it('keeps the index of a person hidden for two seconds', () => {
    const p = walker(50, 100, 60, 10, (t) => t < 2 || t >= 4);
    const frames = run([p], { fps, seconds: 6 });
    expect(identities(frames, 0)).toEqual([0]);
    expect(frames.filter((f) => f.t >= 4.5).every((f) => f.indexOf[0] === 0)).toBe(true);
  });

  it('never reports a burst of one-frame false positives and keeps indices contiguous', () => {
    // For one second, 5 spurious confident boxes a frame, each in a grid cell the previous frame left empty.
    const p = walker(50, 300, 50, 0);
    let previous = new Set<number>();
    const frames = run([p], {
      fps,
      seconds: 4,
      extra: (t, rand) => {
        if (t < 1 || t >= 2) return [];
        const cells = new Set<number>();
        while (cells.size < 5) {
          const c = Math.floor(rand() * 16);
          if (!previous.has(c)) cells.add(c);
        }
        previous = cells;
        return [...cells].map((c) => {
          const x = 200 + (c % 8) * 60;
          const y = Math.floor(c / 8) * 120;
          return { box: [x, y, x + 30, y + 80] as Box, score: 0.9 };
        });
      },
    });
    expect(allReported(frames)).toEqual([0]);
    expect(identities(frames, 0)).toEqual([0]);
  });

  describe('a second box next to a tracked person (newTrackThreshNear)', () => {
    const a = walker(100, 200, 40, 0);
    /**
     * From 1 s on (A is tracked by then), every frame, a box of `score` on the upper half of A (its centre 0.25
     * heights from A's), or `far` px to the right of that.
     */
    const withBox = (score: number, far = 0) => (t: number): Detection[] => {
      if (t < 1) return [];
      const b = a.at(t) as Box;
      return [{ box: [b[0] + far, b[1], b[2] + far, b[1] + 50], score }];
    };

    it('is not a new person at a modest score (0.65), whatever the settings for the open', () => {
      const frames = run([a], { fps, seconds: 3, extra: withBox(0.65) });
      expect(allReported(frames)).toEqual([0]);
      expect(identities(frames, 0)).toEqual([0]);
    });

    it('was one without the rule (newTrackThreshNear = newTrackThresh)', () => {
      const frames = run([a], { fps, seconds: 3, extra: withBox(0.65), tracker: { newTrackThreshNear: 0.6 } });
      expect(allReported(frames)).toEqual([0, 1]);
    });

    it('the same box away from anyone (3 heights off), or a confident one next to A, is a new person', () => {
      expect(allReported(run([a], { fps, seconds: 3, extra: withBox(0.65, 300) }))).toEqual([0, 1]);
      expect(allReported(run([a], { fps, seconds: 3, extra: withBox(0.75) }))).toEqual([0, 1]);
    });
  });

  it('numbers people from 0 in order of first appearance, never reporting an unconfirmed track', () => {
    const late = walker(400, 50, -30, 20, (t) => t >= 1.5);
    const early = walker(50, 300, 40, 0);
    const flash = walker(600, 400, 0, 0, (t) => Math.abs(t - 2) < 0.5 / fps); // seen in exactly one frame
    const frames = run([late, early, flash], { fps, seconds: 3 });
    expect(identities(frames, 1)).toEqual([0]);
    expect(identities(frames, 0)).toEqual([1]);
    expect(identities(frames, 2)).toEqual([]);
    expect(allReported(frames)).toEqual([0, 1]);
    // The first frame a person is seen is not reported: a track is born only once confirmed.
    expect(frames[0].reported).toEqual([]);
  });

  describe('a person who leaves the view and comes back 5 s later', () => {
    // Walks right out of a 640 px wide view, turns round off-screen, and walks back in.
    const out = (t: number): Box | null => {
      const x = t < 4 ? 400 + 80 * t : 400 + 80 * 4 - 80 * (t - 9); // x ≥ 640 means out of view
      return x + 40 <= 640 ? [x, 200, x + 40, 300] : null;
    };
    const other = walker(40, 40, 10, 0);

    it('with motion only, gets a new index (the lost-track buffer has expired)', () => {
      const frames = run([{ at: out }, other], { fps, seconds: 14, tracker: { appearance: false } });
      expect(identities(frames, 0)).toEqual([0, 2]);
      expect(identities(frames, 1)).toEqual([1]);
    });

    it('with appearance, keeps its index', () => {
      const frames = run(
        [
          { at: out, embedding: signature(64, 11) },
          { ...other, embedding: signature(64, 12) },
        ],
        { fps, seconds: 14 },
      );
      expect(identities(frames, 0)).toEqual([0]);
      expect(identities(frames, 1)).toEqual([1]);
      expect(frames[frames.length - 1].indexOf).toEqual([0, 1]);
    });

    it('with appearance, does not give its index to a different-looking newcomer', () => {
      const stranger: Person = { at: (t) => (t >= 9 ? out(t) : null), embedding: signature(64, 13) };
      const first: Person = { at: (t) => (t < 9 ? out(t) : null), embedding: signature(64, 11) };
      const frames = run([first, stranger], { fps, seconds: 14 });
      expect(identities(frames, 0)).toEqual([0]);
      expect(identities(frames, 1)).toEqual([1]);
    });
  });
});

describe.each([7, 25])('appearance at %i fps', (fps) => {
  // A and B walk towards each other, are hidden while they meet (0.6 s), and each turns back the way it came.
  // Constant-velocity motion expects them to walk on through each other, so motion alone cannot follow them.
  const turnAt = 2.5;
  const path = (x0: number, v: number) => (t: number): Box | null => {
    if (Math.abs(t - turnAt) < 0.3) return null;
    const x = t < turnAt ? x0 + v * t : x0 + v * turnAt - v * (t - turnAt);
    return [x, 200, x + 40, 300];
  };
  const a = path(100, 80);
  const b = path(540, -80);

  it('motion alone loses both people who meet and turn back (they get new indices)', () => {
    const frames = run([{ at: a }, { at: b }], { fps, seconds: 4.5, tracker: { appearance: false } });
    expect(identities(frames, 0)).toEqual([0, 2]);
    expect(identities(frames, 1)).toEqual([1, 3]);
  });

  it('with appearance, each keeps their index', () => {
    const frames = run(
      [
        { at: a, embedding: signature(64, 21) },
        { at: b, embedding: signature(64, 22) },
      ],
      { fps, seconds: 4.5 },
    );
    expect(identities(frames, 0)).toEqual([0]);
    expect(identities(frames, 1)).toEqual([1]);
  });
});

describe.each([7, 25])('a lone walker partly hidden for a while, at %i fps', (fps) => {
  // A walks alone; from 2 s to 2.6 s a post hides their left quarter: the box is narrower and the crops look nothing
  // like them (the embedding points the other way). The detection is still where the filter expects them and no one
  // else is near: motion leaves no choice, so appearance must not veto it (PETS09-S2L1 frames 709–717: a second
  // Index on the same person, both reported for a second).
  const look = signature(64, 51);
  const odd = look.map((x) => -x);
  const hidden = (t: number): boolean => t >= 2 && t < 2.6;
  const walk = walker(100, 200, 60, 0);
  const a: Person = {
    at: (t) => {
      const b = walk.at(t) as Box;
      return hidden(t) ? [b[0] + 10, b[1], b[2], b[3]] : b;
    },
    embeddingAt: (t) => (hidden(t) ? odd : look),
  };

  it('keeps one Index, reported in every frame', () => {
    const frames = run([a], { fps, seconds: 5 });
    expect(allReported(frames)).toEqual([0]);
    expect(frames.slice(1).every((f) => f.indexOf[0] === 0)).toBe(true);
  });

  it('gets a second Index, reported beside the first, when appearance may veto the sole match (soleMatchGate 0)', () => {
    const frames = run([a], { fps, seconds: 5, tracker: { soleMatchGate: 0 } });
    expect(allReported(frames)).toEqual([0, 1]);
    expect(frames.some((f) => f.reported.length === 2)).toBe(true);
  });
});

describe.each([7, 30])('two look-alikes far apart at %i fps', (fps) => {
  // A walks on the left and is hidden from 2 s to 4 s; meanwhile B, who looks the same (same signature), walks in on
  // the far right (500 px = 5 heights away) at 2.5 s. Appearance alone would call B the lost A.
  const look = signature(64, 41);
  const a: Person = { ...walker(60, 200, 20, 0, (t) => t < 2 || t >= 4), embedding: look };
  const b: Person = { ...walker(600, 220, -10, 0, (t) => t >= 2.5), embedding: look };

  it('are not merged: the newcomer gets a new Index and A keeps theirs when back', () => {
    const frames = run([a, b], { fps, seconds: 6 });
    expect(identities(frames, 0)).toEqual([0]);
    expect(identities(frames, 1)).toEqual([1]);
    expect(frames[frames.length - 1].indexOf).toEqual([0, 1]);
  });

  it('would be, without the walking-reach gate (the test can tell)', () => {
    const frames = run([a, b], { fps, seconds: 6, tracker: { reattachMaxSpeed: 1000 } });
    expect(identities(frames, 1)[0]).toBe(0);
  });
});

describe('appearance distance scale', () => {
  // Someone leaves; 5 s later a stranger enters where they left. The two signatures are close (cosine distance / 2
  // ≈ 0.06), as two people look to a re-ID model whose distances are compressed (like 0288's).
  const base = signature(64, 31);
  const near = (seed: number): Float32Array => {
    const noise = signature(64, seed);
    return normalise(base.map((x, i) => x + 0.5 * noise[i]));
  };
  const first = near(32);
  const second = near(33);
  const exitX = (t: number): Box | null => (t < 3 ? [400 + 80 * t, 200, 440 + 80 * t, 300] : null);
  const enterX = (t: number): Box | null => (t >= 8 ? [640 - 40 - 80 * (t - 8), 200, 640 - 80 * (t - 8), 300] : null);

  it('re-attaches the stranger when distances are read at 0287 scale, not when scaled for the model', () => {
    const cos = 1 - first.reduce((s, v, i) => s + v * second[i], 0);
    expect(cos / 2).toBeGreaterThan(0.03);
    expect(cos / 2).toBeLessThan(0.1);
    const people = (): Person[] => [
      { at: exitX, embedding: first },
      { at: enterX, embedding: second },
    ];
    const unscaled = run(people(), { fps: 7, seconds: 11 });
    expect(identities(unscaled, 1)).toEqual([0]);
    const scaled = run(people(), { fps: 7, seconds: 11, tracker: { embeddingScale: 0.36 } });
    expect(identities(scaled, 0)).toEqual([0]);
    expect(identities(scaled, 1)).toEqual([1]);
  });
});

describe('selective embedding', () => {
  const box = (x: number): Box => [x, 100, x + 40, 200];
  const det = (x: number, score = 0.9): Detection => ({ box: box(x), score });
  const emb = signature(16, 5);

  it('embeds a lone tracked person only once per embedRefreshSec, and a new one at once', () => {
    const tracker = createTracker({ frameRate: 10, embedRefreshSec: 1 });
    const asked: boolean[] = [];
    for (let f = 0; f < 25; f++) {
      const t = f / 10;
      const dets = [det(100 + 5 * f)];
      const need = tracker.embeddingNeeds(dets, t);
      asked.push(need[0]);
      tracker.update(
        dets.map((d, i) => (need[i] ? { ...d, embedding: emb } : d)),
        t,
      );
    }
    // Frame 0 (nobody tracked yet) and then once a second.
    expect(asked.map((x, i) => (x ? i : -1)).filter((i) => i >= 0)).toEqual([0, 10, 20]);
  });

  it('embeds both of two overlapping people every frame, and nothing at low score or with appearance off', () => {
    const tracker = createTracker({ frameRate: 10 });
    for (let f = 0; f < 5; f++) {
      const dets = [det(100), det(125), det(400, 0.3)];
      expect(tracker.embeddingNeeds(dets, f / 10)).toEqual([true, true, false]);
      tracker.update(dets.map((d) => ({ ...d, embedding: emb })), f / 10);
    }
    const off = createTracker({ frameRate: 10, appearance: false });
    expect(off.embeddingNeeds([det(100), det(125)], 0)).toEqual([false, false]);
  });
});

describe.each([7, 25])('two people returned as one merged box, at %i fps', (fps) => {
  // A stands still; B walks past just behind A. While their boxes overlap (IoU > 0.2) the detector returns one box
  // around both and nothing for B — as it does on PETS09 when two people fully overlap.
  const a: Box = [300, 200, 340, 300];
  const bAt = (t: number): Box => [180 + 60 * t, 195, 220 + 60 * t, 295];
  /** Per frame: whether the boxes were merged, and whether (and how well) Index 0 / 1 was reported on A / B. */
  type MergedFrame = { t: number; merged: boolean; a: boolean; b: boolean; iouA: number; iouB: number };
  function runMerged(tracker: object): MergedFrame[] {
    const tr = createTracker({ frameRate: fps, appearance: false, ...tracker });
    const out: MergedFrame[] = [];
    for (let f = 0; f < Math.round(5 * fps); f++) {
      const t = f / fps;
      const b = bAt(t);
      const merged = iou(a, b) > 0.2;
      const dets: Detection[] = merged
        ? [{ box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])], score: 0.8 }]
        : [
            { box: a, score: 0.85 },
            { box: b, score: 0.8 },
          ];
      const persons = tr.update(dets, t);
      const on = (index: number, truth: Box): boolean => persons.some((p) => p.index === index && iou(p.box, truth) >= 0.5);
      const iouOf = (index: number, truth: Box): number => Math.max(0, ...persons.filter((p) => p.index === index).map((p) => iou(p.box, truth)));
      out.push({ t, merged, a: on(0, a), b: on(1, b), iouA: iouOf(0, a), iouB: iouOf(1, b) });
      expect(persons.every((p) => p.index <= 1)).toBe(true);
    }
    return out;
  }

  it('keeps reporting the hidden person where they walk, under their own Index, and both keep their Index after', () => {
    const frames = runMerged({});
    const merged = frames.filter((f) => f.merged);
    expect(merged.length).toBeGreaterThanOrEqual(2);
    // Each person is reported on their own box with their own Index in every frame after the first (unconfirmed).
    for (const f of frames.slice(1)) expect([f.t, f.a, f.b]).toEqual([f.t, true, true]);
  });

  it('in the first frame of a merge, reports each person on their own box, not pulled toward the two-person box', () => {
    const first = runMerged({}).find((f) => f.merged) as MergedFrame;
    // Both predictions are still exact there: the hidden one and the one whose track took the merged box.
    expect(Math.min(first.iouA, first.iouB)).toBeGreaterThanOrEqual(0.9);
  });

  it('without coasting, the hidden person is not reported while merged', () => {
    const merged = runMerged({ coastSec: 0 }).filter((f) => f.merged);
    expect(merged.some((f) => !f.b)).toBe(true);
  });
});

describe('person tracker contract', () => {
  it('rejects times that do not increase', () => {
    const tracker = createTracker({ frameRate: 10 });
    tracker.update([], 1);
    expect(() => tracker.update([], 1)).toThrow(/increase/);
  });

  it('rejects a frame rate that is not positive', () => {
    expect(() => createTracker({ frameRate: 0 })).toThrow(/frameRate/);
  });

  it('embeds only the detections association uses, and none with appearance off', () => {
    expect(createTracker({ frameRate: 7 }).wantsEmbedding(0.9)).toBe(true);
    expect(createTracker({ frameRate: 7 }).wantsEmbedding(0.2)).toBe(false);
    expect(createTracker({ frameRate: 7, appearance: false }).wantsEmbedding(0.9)).toBe(false);
  });
});
