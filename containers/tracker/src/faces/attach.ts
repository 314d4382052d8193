/**
 * FaceAttacher on YuNet: finds faces at an output sample and gives each person (at most) one Face.
 *
 * Two ways to look for faces:
 *  - 'crops' (default): for each person box, the head region (the top of the box: as tall as the box is wide, or the
 *    whole box when it is wider than tall, plus a 10 % margin) is resampled into a square tile of `cropSize` pixels.
 *    The tiles are packed into one mosaic picture (a grid of tiles, at most `maxTilesPerRun` per picture) and YuNet, a
 *    fully convolutional network whose batch dimension is fixed at 1, runs once per mosaic: that is the batching.
 *    Big close-ups are reduced (a body is brought to `bodyHeight` pixels), so the cost per frame depends on the number
 *    and size of people, and only the head regions are searched.
 *  - 'frame': YuNet runs once on the whole picture (scaled so its long side is at most `frameMaxSide`).
 * Faces from all tiles are mapped back to frame pixels, merged by NMS (overlapping people share pixels), and
 * assigned one-to-one: a face goes to the person whose body box contains it best — the largest share of the
 * face's area inside the body box, ties broken by closeness of the face to the top centre of the box — and only if
 * at least `minContainment` of the face lies in the box and the face is no wider than the body.
 */
import type { FaceDetail, LandmarkType } from '../../../../core/types.js';
import { resolveOptionalModel } from '../detect/models.js';
import { catalogueModel, DEFAULT_MODEL_NAMES } from '../models/catalogue.js';
import type { FrameImage } from '../frame.js';
import type { Box } from '../track/types.js';
import { toRatioBox } from '../../../../core/geometry.js';
import { resample, targetOf, type Rect } from '../image.js';
import { processSettings, type EngineSettings } from '../settings.js';
import type { FaceAttacher } from './types.js';
import { YuNet, nms, padToStride, type RawFace, type YuNetOptions } from './yunet.js';
import { estimatePose } from './pose.js';
import { measureQuality } from './quality.js';

export interface FaceAttacherOptions extends YuNetOptions {
  mode?: 'crops' | 'frame';
  /**
   * 'crops' mode: a body box is scaled so it would be this many pixels tall (a standing person's face is then about
   * a sixteenth of it by YuNet's tight boxes: 24 px, well inside YuNet's range). Default 384.
   */
  bodyHeight?: number;
  /** 'crops' mode: longest side of one head tile. Default 320. */
  maxTile?: number;
  /** 'crops' mode: side of the square mosaic the tiles are packed into, one YuNet run per mosaic. Default 640. */
  mosaicWidth?: number;
  /**
   * Largest enlargement of a head region in 'crops' mode. Default 1: enlarging small people's heads found a few more
   * faces but also faces on blurred collars and hands (measured on TUD-Campus), so by default heads are only reduced.
   */
  maxUpscale?: number;
  /** Persons narrower than this many frame pixels are not searched for a face. Default 12. */
  minPersonWidth?: number;
  /** Long side of the picture in 'frame' mode. Default 640. */
  frameMaxSide?: number;
  /** Share of the face box that must lie inside the body box. Default 0.6. */
  minContainment?: number;
}

export const DEFAULT_FACE_MODEL_FILE = catalogueModel(DEFAULT_MODEL_NAMES.faces).file;

/**
 * The face model (detect/models.ts has the order): PEOPLE_PATHING_FACE_MODEL, else the YuNet file in the named models
 * folder (`modelsDir`, else PEOPLE_PATHING_MODELS_DIR) — undefined when that file does not exist — else the cached
 * catalogue copy, fetched on first use (throws EngineError when that fails).
 */
export function resolveFaceModel(modelsDir?: string, settings: EngineSettings = processSettings()): Promise<string | undefined> {
  return resolveOptionalModel(DEFAULT_MODEL_NAMES.faces, settings.faceModel, modelsDir, settings);
}

/** Rekognition's landmark names in YuNet's landmark order (image-left eye first; see yunet.ts). */
export const LANDMARK_TYPES: readonly LandmarkType[] = ['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight'];

export async function createFaceAttacher(modelPath: string, options: FaceAttacherOptions = {}): Promise<YuNetFaceAttacher> {
  return new YuNetFaceAttacher(await YuNet.create(modelPath, options), options);
}

interface Region {
  /** Top-left of the region in frame pixels. */
  x: number;
  y: number;
  /** Tile pixels per frame pixel. */
  scale: number;
}

export class YuNetFaceAttacher implements FaceAttacher {
  private readonly mode: 'crops' | 'frame';
  private readonly bodyHeight: number;
  private readonly maxTile: number;
  private readonly mosaicWidth: number;
  private readonly maxUpscale: number;
  private readonly minPersonWidth: number;
  private readonly frameMaxSide: number;
  private readonly minContainment: number;
  /** YuNet runs and milliseconds spent in attach(), for benchmarks. */
  readonly stats = { calls: 0, detectorRuns: 0, ms: 0 };

  constructor(
    private readonly detector: YuNet,
    options: FaceAttacherOptions = {},
  ) {
    this.mode = options.mode ?? 'crops';
    this.bodyHeight = options.bodyHeight ?? 384;
    this.mosaicWidth = Math.max(64, Math.round((options.mosaicWidth ?? 640) / 32) * 32);
    this.maxTile = Math.min(this.mosaicWidth, Math.max(32, options.maxTile ?? 320));
    this.maxUpscale = options.maxUpscale ?? 1;
    this.minPersonWidth = options.minPersonWidth ?? 12;
    this.frameMaxSide = options.frameMaxSide ?? 640;
    this.minContainment = options.minContainment ?? 0.6;
  }

  async attach(
    frame: FrameImage,
    source: { width: number; height: number },
    persons: ReadonlyArray<{ index: number; box: Box }>,
  ): Promise<Map<number, FaceDetail>> {
    const t0 = performance.now();
    this.stats.calls++;
    const result = new Map<number, FaceDetail>();
    if (persons.length === 0) return result;
    const sx = frame.width / source.width;
    const sy = frame.height / source.height;
    // Everything below is in the pixels of `frame`.
    const bodies = persons.map((p) => ({ index: p.index, box: [p.box[0] * sx, p.box[1] * sy, p.box[2] * sx, p.box[3] * sy] as Box }));
    const faces = nms(this.mode === 'frame' ? await this.detectOnFrame(frame) : await this.detectOnCrops(frame, bodies), this.detector.nmsThreshold);
    for (const [face, body] of assignFaces(faces, bodies, this.minContainment)) {
      result.set(body.index, this.toFaceDetail(frame, source, face));
    }
    this.stats.ms += performance.now() - t0;
    return result;
  }

  async release(): Promise<void> {
    await this.detector.release();
  }

  /**
   * Every face found in the head regions of `bodies` (frame pixels), merged by NMS but not assigned to anyone:
   * for blurring, where a face matters whoever it belongs to.
   */
  async findFaces(frame: FrameImage, bodies: ReadonlyArray<{ box: Box }>): Promise<RawFace[]> {
    if (bodies.length === 0) return [];
    return nms(this.mode === 'frame' ? await this.detectOnFrame(frame) : await this.detectOnCrops(frame, bodies), this.detector.nmsThreshold);
  }

  private async detectOnFrame(frame: FrameImage): Promise<RawFace[]> {
    const scale = Math.min(1, this.frameMaxSide / Math.max(frame.width, frame.height));
    const w = Math.max(1, Math.round(frame.width * scale));
    const h = Math.max(1, Math.round(frame.height * scale));
    const pic = { width: Math.ceil(w / 32) * 32, height: Math.ceil(h / 32) * 32 };
    let input: FrameImage;
    if (scale === 1) input = padToStride(frame);
    else {
      input = { ...pic, data: new Uint8Array(pic.width * pic.height * 3) };
      resample(frame, regionRect({ x: 0, y: 0, scale }, w, h), targetOf(input, 0, 0, w, h), 'blank');
    }
    this.stats.detectorRuns++;
    return (await this.detector.detect(input)).map((f) => mapFace(f, { x: 0, y: 0, scale }, 0, 0));
  }

  private async detectOnCrops(frame: FrameImage, bodies: ReadonlyArray<{ box: Box }>): Promise<RawFace[]> {
    const tiles: Tile[] = [];
    for (const { box } of bodies) {
      const w = box[2] - box[0];
      const h = box[3] - box[1];
      if (w < this.minPersonWidth || h <= 0) continue;
      const headH = Math.min(h, w); // a standing person's head and shoulders; the whole box when wider than tall
      const margin = 0.1 * Math.max(w, headH);
      const rw = w + 2 * margin;
      const rh = headH + 2 * margin;
      const scale = Math.min(this.maxUpscale, this.bodyHeight / h, this.maxTile / Math.max(rw, rh));
      tiles.push({
        region: { x: box[0] - margin, y: box[1] - margin, scale },
        w: Math.max(32, Math.ceil((rw * scale) / 32) * 32),
        h: Math.max(32, Math.ceil((rh * scale) / 32) * 32),
        ox: 0,
        oy: 0,
      });
    }
    const faces: RawFace[] = [];
    for (const mosaic of packShelves(tiles, this.mosaicWidth, this.mosaicWidth)) {
      const picture: FrameImage = { width: mosaic.width, height: mosaic.height, data: new Uint8Array(mosaic.width * mosaic.height * 3) };
      for (const t of mosaic.tiles) resample(frame, regionRect(t.region, t.w, t.h), targetOf(picture, t.ox, t.oy, t.w, t.h), 'blank');
      this.stats.detectorRuns++;
      for (const f of await this.detector.detect(picture)) {
        // A face belongs to the tile holding its centre; it is cut to that tile.
        const cx = (f.box[0] + f.box[2]) / 2;
        const cy = (f.box[1] + f.box[3]) / 2;
        const t = mosaic.tiles.find((q) => cx >= q.ox && cx < q.ox + q.w && cy >= q.oy && cy < q.oy + q.h);
        if (!t) continue;
        const cut: RawFace = { ...f, box: [Math.max(f.box[0], t.ox), Math.max(f.box[1], t.oy), Math.min(f.box[2], t.ox + t.w), Math.min(f.box[3], t.oy + t.h)] };
        faces.push(mapFace(cut, t.region, t.ox, t.oy));
      }
    }
    return faces;
  }

  private toFaceDetail(frame: FrameImage, source: { width: number; height: number }, face: RawFace): FaceDetail {
    const W = frame.width;
    const H = frame.height;
    // Pose wants square pixels: go back to source-frame pixels.
    const pose = estimatePose(face.landmarks.map(([x, y]) => [(x * source.width) / W, (y * source.height) / H] as [number, number]));
    const detail: FaceDetail = {
      BoundingBox: toRatioBox(face.box, W, H),
      Confidence: Math.min(100, Math.max(0, face.score * 100)),
      Landmarks: face.landmarks.map(([x, y], k) => ({ Type: LANDMARK_TYPES[k], X: x / W, Y: y / H })),
      Pose: pose,
    };
    const quality = measureQuality(frame, face.box);
    if (quality) detail.Quality = quality;
    return detail;
  }
}

interface Tile {
  region: Region;
  /** Size and place in the mosaic (multiples of 32). */
  w: number;
  h: number;
  ox: number;
  oy: number;
}

/**
 * Shelf packing: tiles sorted by height fill rows left to right; a mosaic is closed when the next row would pass
 * `maxHeight`. Sets each tile's ox/oy and returns the mosaics (width and height multiples of 32).
 */
export function packShelves(tiles: Tile[], maxWidth: number, maxHeight: number): { width: number; height: number; tiles: Tile[] }[] {
  const sorted = [...tiles].sort((a, b) => b.h - a.h);
  const mosaics: { width: number; height: number; tiles: Tile[] }[] = [];
  let current: { width: number; height: number; tiles: Tile[] } | undefined;
  let x = 0;
  let shelfY = 0;
  let shelfH = 0;
  for (const t of sorted) {
    if (current && x + t.w > maxWidth) {
      shelfY += shelfH;
      x = 0;
      shelfH = 0;
    }
    if (!current || shelfY + t.h > maxHeight) {
      current = { width: 0, height: 0, tiles: [] };
      mosaics.push(current);
      x = 0;
      shelfY = 0;
      shelfH = 0;
    }
    t.ox = x;
    t.oy = shelfY;
    x += t.w;
    shelfH = Math.max(shelfH, t.h);
    current.tiles.push(t);
    current.width = Math.max(current.width, x);
    current.height = Math.max(current.height, shelfY + shelfH);
  }
  return mosaics;
}

/** Maps a face found in a tile at (ox, oy) of a picture made from `region` back to frame pixels. */
function mapFace(f: RawFace, region: Region, ox: number, oy: number): RawFace {
  const X = (x: number): number => region.x + (x - ox) / region.scale;
  const Y = (y: number): number => region.y + (y - oy) / region.scale;
  return { score: f.score, box: [X(f.box[0]), Y(f.box[1]), X(f.box[2]), Y(f.box[3])], landmarks: f.landmarks.map(([x, y]) => [X(x), Y(y)]) };
}

/** The w×h tile drawn from `region`: its rectangle in frame pixels. */
function regionRect(region: Region, w: number, h: number): Rect {
  return { x: region.x, y: region.y, width: w / region.scale, height: h / region.scale };
}

/**
 * One-to-one assignment of faces to body boxes (all in the same pixels), best containment first. Returns
 * [face, body] pairs.
 */
export function assignFaces<B extends { box: Box }>(faces: readonly RawFace[], bodies: readonly B[], minContainment = 0.6): [RawFace, B][] {
  const candidates: { f: number; b: number; score: number }[] = [];
  faces.forEach((face, f) => {
    const [fx1, fy1, fx2, fy2] = face.box;
    const area = (fx2 - fx1) * (fy2 - fy1);
    if (!(area > 0)) return;
    bodies.forEach((body, b) => {
      const [bx1, by1, bx2, by2] = body.box;
      const bw = bx2 - bx1;
      const bh = by2 - by1;
      if (bw <= 0 || bh <= 0 || fx2 - fx1 > 1.1 * bw) return;
      const iw = Math.min(fx2, bx2) - Math.max(fx1, bx1);
      const ih = Math.min(fy2, by2) - Math.max(fy1, by1);
      const containment = iw > 0 && ih > 0 ? (iw * ih) / area : 0;
      if (containment < minContainment) return;
      const dx = ((fx1 + fx2) / 2 - (bx1 + bx2) / 2) / bw;
      const dy = ((fy1 + fy2) / 2 - by1) / bh;
      candidates.push({ f, b, score: containment - 0.25 * Math.hypot(dx, dy) });
    });
  });
  candidates.sort((p, q) => q.score - p.score);
  const usedF = new Set<number>();
  const usedB = new Set<number>();
  const pairs: [RawFace, B][] = [];
  for (const c of candidates) {
    if (usedF.has(c.f) || usedB.has(c.b)) continue;
    usedF.add(c.f);
    usedB.add(c.b);
    pairs.push([faces[c.f], bodies[c.b]]);
  }
  return pairs;
}
