import { Blurrer, blurRegion, faceRegion, personRegion, type PixelBox } from '../../containers/tracker/src/render/blur.js';
import { buildSamples, Timeline } from '../../containers/tracker/src/render/timeline.js';

const W = 200;
const H = 120;

/** A frame of fine detail: seeded noise plus stripes, opaque RGBA. */
function detailed(): Uint8Array {
  const f = new Uint8Array(W * H * 4);
  let seed = 12345;
  for (let p = 0; p < f.length; p += 4) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = (p / 4) % W;
    f[p] = (seed >>> 24) & 0xff;
    f[p + 1] = x % 4 < 2 ? 230 : 20;
    f[p + 2] = (seed >>> 16) & 0xff;
    f[p + 3] = 255;
  }
  return f;
}

/** Variance of the 4-neighbour Laplacian of the green+red mean over [x1, x2) × [y1, y2) (interior pixels only). */
function laplacianVariance(f: Uint8Array, [x1, y1, x2, y2]: number[]): number {
  const v = (x: number, y: number): number => (f[(y * W + x) * 4] + f[(y * W + x) * 4 + 1]) / 2;
  const ls: number[] = [];
  for (let y = y1 + 1; y < y2 - 1; y++) for (let x = x1 + 1; x < x2 - 1; x++) ls.push(4 * v(x, y) - v(x - 1, y) - v(x + 1, y) - v(x, y - 1) - v(x, y + 1));
  const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
  return ls.reduce((a, b) => a + (b - mean) ** 2, 0) / ls.length;
}

function changedOutside(before: Uint8Array, after: Uint8Array, [x1, y1, x2, y2]: number[]): number {
  let n = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (x >= x1 && x < x2 && y >= y1 && y < y2) continue;
      for (let c = 0; c < 4; c++) if (before[(y * W + x) * 4 + c] !== after[(y * W + x) * 4 + c]) n++;
    }
  }
  return n;
}

describe('privacy blur', () => {
  it('removes the detail inside the region and changes no pixel outside it', () => {
    const before = detailed();
    const after = Uint8Array.from(before);
    blurRegion(after, W, H, [50, 20, 110, 80], 15);
    expect(changedOutside(before, after, [50, 20, 110, 80])).toBe(0);
    expect(laplacianVariance(after, [50, 20, 110, 80])).toBeLessThan(laplacianVariance(before, [50, 20, 110, 80]) / 100);
    expect(after.filter((_, p) => p % 4 === 3).every((a) => a === 255)).toBe(true);
  });

  it('blurs the whole part of a box that lies in the frame when the box leaves it', () => {
    const before = detailed();
    const after = Uint8Array.from(before);
    const box: PixelBox = [-40, -30, 36.5, 50.2]; // beyond the top-left corner, fractional edges
    const { block } = personRegion(box);
    blurRegion(after, W, H, box, block);
    expect(changedOutside(before, after, [0, 0, 37, 51])).toBe(0);
    expect(laplacianVariance(after, [0, 0, 37, 51])).toBeLessThan(laplacianVariance(before, [0, 0, 37, 51]) / 100);
    // the first and last in-frame rows and columns are blurred too
    for (const [x, y] of [[0, 0], [36, 0], [0, 50], [36, 50]]) expect(after[(y * W + x) * 4]).not.toBe(before[(y * W + x) * 4]);
  });

  it('sizes the blur by the whole box, not by the part in the frame', () => {
    expect(faceRegion([-30, 10, 10, 60]).block).toBe(faceRegion([100, 10, 140, 60]).block);
    expect(faceRegion([0, 0, 40, 50]).block).toBe(25); // half the long side
    expect(faceRegion([0, 0, 40, 40]).box).toEqual([-10, -10, 50, 50]); // a quarter of the size added each side
    expect(personRegion([0, 0, 50, 200]).block).toBeGreaterThan(personRegion([0, 0, 25, 100]).block);
  });

  it('blurs persons, or only the faces the results carry, as the frame is drawn', async () => {
    const persons = [{ index: 1, box: [20, 20, 60, 110] as PixelBox, trail: [], face: [30, 25, 50, 45] as PixelBox }];
    const a = detailed();
    await new Blurrer('persons').apply(a, W, H, persons, 0);
    const p = personRegion(persons[0].box).box;
    expect(changedOutside(detailed(), a, [Math.floor(p[0]), Math.floor(p[1]), Math.ceil(p[2]), Math.ceil(p[3])])).toBe(0);
    expect(laplacianVariance(a, [20, 20, 60, 110])).toBeLessThan(laplacianVariance(detailed(), [20, 20, 60, 110]) / 100);
    const b = detailed();
    await new Blurrer('faces').apply(b, W, H, persons, 0);
    expect(changedOutside(detailed(), b, [25, 20, 55, 50])).toBe(0);
    expect(laplacianVariance(b, [30, 25, 50, 45])).toBeLessThan(laplacianVariance(detailed(), [30, 25, 50, 45]) / 100);
  });

  it('takes the face of each sample from the results and moves it with the box', () => {
    const face = { BoundingBox: { Left: 0.12, Top: 0.1, Width: 0.06, Height: 0.1 } };
    const s = buildSamples([
      { Timestamp: 0, Person: { Index: 0, BoundingBox: { Left: 0.1, Top: 0.1, Width: 0.1, Height: 0.5 }, Face: face } },
      { Timestamp: 100, Person: { Index: 0, BoundingBox: { Left: 0.2, Top: 0.1, Width: 0.1, Height: 0.5 } } },
      { Timestamp: 0, Person: { Index: 1, BoundingBox: { Left: 0.6, Top: 0.1, Width: 0.1, Height: 0.5 } } },
    ]);
    const t = new Timeline(s, 1000, 1000, 0, 50);
    const at0 = t.at(0);
    expect(at0[0].face?.map(Math.round)).toEqual([120, 100, 180, 200]);
    expect(at0[1].face).toBeUndefined();
    // half-way to the next sample the box has moved 50 px right, and the face with it
    expect(t.at(50)[0].face?.map(Math.round)).toEqual([170, 100, 230, 200]);
  });
});
