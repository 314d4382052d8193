/**
 * Privacy blur for `render --blur faces|persons`: every face, or every person box, is made unrecognisable in the
 * frames render writes (the annotated video and the paths picture), before the boxes and labels are drawn.
 *
 * A region is first pixelated, then smoothed: its pixels are replaced by the means of square blocks (anchored at the
 * region's own corner, so they move with the person), and the blocks are blurred into each other by two passes of a
 * box filter two blocks wide. The block is relative to the region's full size, even where the region leaves the
 * frame: half the face's long side (a face becomes about 2×2 colours), or an eighth of the person box's long side
 * (a head is about one block). Averaging is many-to-one, so the detail is gone, not hidden behind a filter that could
 * be inverted. Only the pixels inside the region (clipped to the frame) change. On messi5.jpg, YuNet scores the face
 * 0.91 before; after, it finds nothing even at a 0.5 threshold (with 3 blocks per face side it still found the blurred
 * head shape at 0.66).
 *
 * Faces: the face of the sample in the results (Person.Face) when it has one; else YuNet (faces/attach.ts) looks in
 * the head region of that person's box on this very frame. A face found for a person is kept, relative to the box, for
 * FACE_HOLD_MS after the last frame it was seen, so one missed detection does not show the face for a frame.
 */
import type { FrameImage } from '../frame.js';
import type { YuNetFaceAttacher } from '../faces/attach.js';
import type { PersonAt } from './timeline.js';

export type BlurMode = 'faces' | 'persons';
export type PixelBox = [number, number, number, number];

/** Face boxes grow by this share of their width and height on each side (hair, ears, chin are outside YuNet's box). */
export const FACE_MARGIN = 0.25;
/** Person boxes grow by this share on each side (limbs the detector's box cut off). */
export const PERSON_MARGIN = 0.05;
/** Blocks per long side of the (unenlarged) face box, and of the enlarged person box. */
export const FACE_BLOCKS = 2;
export const PERSON_BLOCKS = 8;
/** How long a face found by detection keeps being blurred after it was last seen. */
export const FACE_HOLD_MS = 1000;

function grow([x1, y1, x2, y2]: PixelBox, share: number): PixelBox {
  const dx = (x2 - x1) * share;
  const dy = (y2 - y1) * share;
  return [x1 - dx, y1 - dy, x2 + dx, y2 + dy];
}

/** The region to blur for a face box (pixels) and its block size. */
export function faceRegion(face: PixelBox): { box: PixelBox; block: number } {
  return { box: grow(face, FACE_MARGIN), block: Math.max(2, Math.ceil(Math.max(face[2] - face[0], face[3] - face[1]) / FACE_BLOCKS)) };
}

/** The region to blur for a person box (pixels) and its block size. */
export function personRegion(person: PixelBox): { box: PixelBox; block: number } {
  const box = grow(person, PERSON_MARGIN);
  return { box, block: Math.max(2, Math.ceil(Math.max(box[2] - box[0], box[3] - box[1]) / PERSON_BLOCKS)) };
}

/**
 * Pixelates then smooths `box` (pixels, may reach outside the frame) of a packed RGBA frame in place; alpha is left
 * as it is. `block` is the block side and the smoothing width.
 */
export function blurRegion(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, box: PixelBox, block: number): void {
  const rx1 = Math.max(0, Math.floor(box[0]));
  const ry1 = Math.max(0, Math.floor(box[1]));
  const rx2 = Math.min(width, Math.ceil(box[2]));
  const ry2 = Math.min(height, Math.ceil(box[3]));
  const rw = rx2 - rx1;
  const rh = ry2 - ry1;
  if (rw <= 0 || rh <= 0 || !(block >= 1)) return;
  const b = Math.max(1, Math.round(block));
  const buf = new Float32Array(rw * rh * 3);
  // 1. Block means; the grid starts at the region's own corner (outside the frame when the box is cut by it).
  const gx0 = Math.floor(box[0]);
  const gy0 = Math.floor(box[1]);
  const firstX = gx0 + Math.floor((rx1 - gx0) / b) * b;
  const firstY = gy0 + Math.floor((ry1 - gy0) / b) * b;
  for (let by = firstY; by < ry2; by += b) {
    const y1 = Math.max(by, ry1);
    const y2 = Math.min(by + b, ry2);
    for (let bx = firstX; bx < rx2; bx += b) {
      const x1 = Math.max(bx, rx1);
      const x2 = Math.min(bx + b, rx2);
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let y = y1; y < y2; y++) {
        for (let x = x1, p = (y * width + x1) * 4; x < x2; x++, p += 4) {
          r += rgba[p];
          g += rgba[p + 1];
          bl += rgba[p + 2];
        }
      }
      const n = (y2 - y1) * (x2 - x1);
      for (let y = y1; y < y2; y++) {
        for (let x = x1, q = ((y - ry1) * rw + (x1 - rx1)) * 3; x < x2; x++, q += 3) {
          buf[q] = r / n;
          buf[q + 1] = g / n;
          buf[q + 2] = bl / n;
        }
      }
    }
  }
  // 2. Two horizontal and two vertical box-filter passes of width 2b + 1 (edges clamped inside the region).
  const radius = Math.max(1, b);
  const tmp = new Float32Array(Math.max(rw, rh) * 3);
  const norm = 1 / (2 * radius + 1);
  // One pass over `count` lines of `length` pixels; line i starts at i·lineStep, pixels are `step` apart.
  const pass = (count: number, length: number, lineStep: number, step: number): void => {
    for (let line = 0; line < count; line++) {
      const base = line * lineStep;
      for (let c = 0; c < 3; c++) {
        const o = base + c;
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += buf[o + Math.min(length - 1, Math.max(0, k)) * step];
        for (let k = 0; k < length; k++) {
          tmp[3 * k + c] = sum * norm;
          sum += buf[o + Math.min(length - 1, k + radius + 1) * step] - buf[o + Math.max(0, k - radius) * step];
        }
      }
      for (let k = 0, q = base; k < length; k++, q += step) {
        buf[q] = tmp[3 * k];
        buf[q + 1] = tmp[3 * k + 1];
        buf[q + 2] = tmp[3 * k + 2];
      }
    }
  };
  for (let n = 0; n < 2; n++) {
    pass(rh, rw, rw * 3, 3);
    pass(rw, rh, 3, rw * 3);
  }
  for (let y = 0; y < rh; y++) {
    for (let x = 0, p = ((ry1 + y) * width + rx1) * 4, q = y * rw * 3; x < rw; x++, p += 4, q += 3) {
      rgba[p] = Math.round(buf[q]);
      rgba[p + 1] = Math.round(buf[q + 1]);
      rgba[p + 2] = Math.round(buf[q + 2]);
    }
  }
}

/** The face detector of the 'faces' mode (YuNet, made by createBlurrer). */
type FaceFinder = Pick<YuNetFaceAttacher, 'findFaces' | 'release'>;

export class Blurrer {
  private bgr: FrameImage | undefined;
  /** Per Index: the last face found by detection, relative to the person box, and when. */
  private readonly held = new Map<number, { rel: PixelBox; t: number }>();
  /** Regions blurred and YuNet searches made, for the log line. */
  readonly stats = { regions: 0, searches: 0 };

  constructor(
    readonly mode: BlurMode,
    private readonly finder?: FaceFinder,
  ) {}

  /** Blurs the regions of `persons` (as drawn at time tMs) in the RGBA frame, in place. */
  async apply(rgba: Uint8Array, width: number, height: number, persons: readonly PersonAt[], tMs: number): Promise<void> {
    const regions: { box: PixelBox; block: number }[] = [];
    if (this.mode === 'persons') for (const p of persons) regions.push(personRegion(p.box));
    else {
      const searched: PersonAt[] = [];
      for (const p of persons) {
        if (p.face) regions.push(faceRegion(p.face));
        else searched.push(p);
      }
      if (searched.length && this.finder) {
        this.stats.searches++;
        const found = await this.finder.findFaces(this.toBgr(rgba, width, height), searched.map((p) => ({ box: p.box })));
        const seen = new Set<number>();
        for (const f of found) {
          regions.push(faceRegion(f.box));
          // remember it for the person whose box holds the face's centre (the nearest one to the box's top centre)
          const cx = (f.box[0] + f.box[2]) / 2;
          const cy = (f.box[1] + f.box[3]) / 2;
          let owner: PersonAt | undefined;
          let best = Infinity;
          for (const p of searched) {
            const [x1, y1, x2, y2] = p.box;
            if (cx < x1 || cx > x2 || cy < y1 || cy > y2) continue;
            const d = Math.hypot(cx - (x1 + x2) / 2, cy - y1);
            if (d < best) [owner, best] = [p, d];
          }
          if (owner) {
            seen.add(owner.index);
            this.held.set(owner.index, { rel: toRel(f.box, owner.box), t: tMs });
          }
        }
        for (const p of searched) {
          const h = this.held.get(p.index);
          if (!h || seen.has(p.index)) continue;
          if (tMs - h.t > FACE_HOLD_MS) this.held.delete(p.index);
          else regions.push(faceRegion(fromRel(h.rel, p.box)));
        }
      }
    }
    for (const r of regions) blurRegion(rgba, width, height, r.box, r.block);
    this.stats.regions += regions.length;
  }

  async release(): Promise<void> {
    await this.finder?.release();
  }

  private toBgr(rgba: Uint8Array, width: number, height: number): FrameImage {
    if (!this.bgr || this.bgr.width !== width || this.bgr.height !== height) this.bgr = { width, height, data: new Uint8Array(width * height * 3) };
    const out = this.bgr.data;
    for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
      out[q] = rgba[p + 2];
      out[q + 1] = rgba[p + 1];
      out[q + 2] = rgba[p];
    }
    return this.bgr;
  }
}

function toRel(f: PixelBox, b: PixelBox): PixelBox {
  const w = b[2] - b[0] || 1;
  const h = b[3] - b[1] || 1;
  return [(f[0] - b[0]) / w, (f[1] - b[1]) / h, (f[2] - b[0]) / w, (f[3] - b[1]) / h];
}

function fromRel(r: PixelBox, b: PixelBox): PixelBox {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return [b[0] + r[0] * w, b[1] + r[1] * h, b[0] + r[2] * w, b[1] + r[3] * h];
}

/**
 * A Blurrer for the mode. 'faces' loads YuNet: `faceModel`, else the models folder's (faces/attach.ts,
 * resolveFaceModel); it throws a one-line error when there is none. Detection keeps faces down to a score of 0.5,
 * below the engine's 0.7: a needless blur costs little, a missed face is what the blur is for.
 */
export async function createBlurrer(mode: BlurMode, models: { faceModel?: string; modelsDir?: string } = {}): Promise<Blurrer> {
  if (mode === 'persons') return new Blurrer(mode);
  // Loaded only here: onnxruntime is not needed by a render without face blur.
  const { createFaceAttacher, resolveFaceModel } = await import('../faces/attach.js');
  const model = models.faceModel ?? (await resolveFaceModel(models.modelsDir));
  if (!model) throw new Error('--blur faces needs the face model: give --face-model PATH or --models-dir DIR (people-pathing models fetch), or use --blur persons');
  return new Blurrer(mode, await createFaceAttacher(model, { scoreThreshold: 0.5 }));
}
