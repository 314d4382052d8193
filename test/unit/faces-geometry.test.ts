import { estimatePose, FRONTAL_NOSE_T, K_YAW, type Point } from '../../containers/tracker/src/faces/pose.js';
import { assignFaces, packShelves } from '../../containers/tracker/src/faces/attach.js';
import { decodeYuNet, nms, padToStride, type RawFace } from '../../containers/tracker/src/faces/yunet.js';
import type { Box } from '../../containers/tracker/src/track/types.js';

/** A generic face in 3-D (x right, y down, z towards the camera), interocular distance 1. */
const FACE_3D: [number, number, number][] = [
  [-0.5, 0, 0], // eye on the image's left
  [0.5, 0, 0], // eye on the image's right
  [0, FRONTAL_NOSE_T, K_YAW], // nose tip, standing out of the eye/mouth plane
  [-0.4, 1, 0], // mouth corners
  [0.4, 1, 0],
];

/** Weak-perspective picture of FACE_3D turned by yaw (about y), pitch (about x) then roll (in the image plane). */
function project(yawDeg: number, pitchDeg: number, rollDeg: number, scale = 40, at: Point = [200, 150]): Point[] {
  const [ya, pi, ro] = [yawDeg, pitchDeg, rollDeg].map((d) => (d * Math.PI) / 180);
  return FACE_3D.map(([x, y, z]) => {
    // yaw: positive turns the nose to the image's right
    const x1 = x * Math.cos(ya) + z * Math.sin(ya);
    const z1 = -x * Math.sin(ya) + z * Math.cos(ya);
    // pitch: positive looks up (the nose moves up, towards the eyes)
    const y2 = y * Math.cos(pi) - z1 * Math.sin(pi);
    // roll: positive is clockwise on the image (y down)
    const xr = x1 * Math.cos(ro) - y2 * Math.sin(ro);
    const yr = x1 * Math.sin(ro) + y2 * Math.cos(ro);
    return [at[0] + scale * xr, at[1] + scale * yr] as Point;
  });
}

describe('pose from five landmarks', () => {
  it('reads a frontal face as about zero on all three axes', () => {
    const p = estimatePose(project(0, 0, 0));
    expect(Math.abs(p.Roll!)).toBeLessThan(0.5);
    expect(Math.abs(p.Yaw!)).toBeLessThan(0.5);
    expect(Math.abs(p.Pitch!)).toBeLessThan(0.5);
  });

  it('recovers roll and yaw/pitch with their sign and within a few degrees', () => {
    for (const [yaw, pitch, roll] of [
      [30, 0, 0],
      [-30, 0, 0],
      [0, 20, 0],
      [0, -20, 0],
      [0, 0, 25],
      [20, -10, -15],
    ]) {
      const p = estimatePose(project(yaw, pitch, roll));
      // the eye line is exactly the roll when the head is only rolled; yaw and pitch together tilt it a little
      expect(Math.abs(p.Roll! - roll)).toBeLessThan(yaw !== 0 && pitch !== 0 ? 5 : 0.5);
      expect(Math.abs(p.Yaw! - yaw)).toBeLessThan(4);
      expect(Math.abs(p.Pitch! - pitch)).toBeLessThan(6);
    }
  });

  it('does not depend on where the face is or how big it is', () => {
    const a = estimatePose(project(25, 10, 5, 12, [30, 40]));
    const b = estimatePose(project(25, 10, 5, 300, [1500, 900]));
    expect(a.Yaw!).toBeCloseTo(b.Yaw!, 6);
    expect(a.Pitch!).toBeCloseTo(b.Pitch!, 6);
    expect(a.Roll!).toBeCloseTo(b.Roll!, 6);
  });

  it('keeps every angle in Rekognition range even for nonsense landmarks', () => {
    const p = estimatePose([
      [10, 10],
      [11, 10],
      [500, -300],
      [10, 10.1],
      [11, 10.1],
    ]);
    for (const v of [p.Roll!, p.Yaw!, p.Pitch!]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v)).toBeLessThanOrEqual(180);
    }
    expect(Math.abs(p.Yaw!)).toBeLessThanOrEqual(90);
    expect(Math.abs(p.Pitch!)).toBeLessThanOrEqual(90);
  });
});

const face = (box: Box, score = 0.9): RawFace => ({ box, score, landmarks: [] });

describe('face-to-person assignment', () => {
  it('gives a face to the body box that contains it, not to a neighbour it only touches', () => {
    const bodies = [
      { index: 0, box: [0, 0, 100, 300] as Box },
      { index: 1, box: [90, 0, 200, 300] as Box },
    ];
    const pairs = assignFaces([face([130, 10, 160, 45])], bodies);
    expect(pairs.map(([, b]) => b.index)).toEqual([1]);
  });

  it('gives each person at most one face and each face at most one person', () => {
    const bodies = [{ index: 7, box: [0, 0, 100, 300] as Box }];
    const pairs = assignFaces([face([30, 5, 60, 40]), face([35, 150, 60, 180])], bodies);
    expect(pairs).toHaveLength(1);
    // the face near the top centre wins over one at the waist
    expect(pairs[0][0].box[1]).toBe(5);
  });

  it('prefers the box where the face sits at the head when two boxes overlap', () => {
    // a person standing in front of another: the face is inside both boxes
    const front = { index: 0, box: [50, 40, 150, 340] as Box };
    const back = { index: 1, box: [60, 0, 140, 240] as Box };
    const pairs = assignFaces([face([85, 5, 115, 40]), face([85, 45, 115, 80])], [front, back]);
    const byIndex = new Map(pairs.map(([f, b]) => [b.index, f.box[1]]));
    expect(byIndex.get(1)).toBe(5);
    expect(byIndex.get(0)).toBe(45);
  });

  it('leaves a person without a face when no face lies mostly inside the box', () => {
    expect(assignFaces([face([95, 10, 140, 50])], [{ index: 0, box: [0, 0, 100, 300] as Box }])).toHaveLength(0);
    expect(assignFaces([], [{ index: 0, box: [0, 0, 100, 300] as Box }])).toHaveLength(0);
  });

  it('refuses a face wider than the body it would belong to', () => {
    expect(assignFaces([face([0, 0, 200, 200])], [{ index: 0, box: [0, 0, 100, 300] as Box }])).toHaveLength(0);
  });
});

describe('YuNet decoding', () => {
  it('places a face from its cell, stride and offsets, with score sqrt(cls*obj)', () => {
    const W = 64;
    const H = 32;
    const outputs: Record<string, Float32Array> = {};
    for (const s of [8, 16, 32]) {
      const n = (W / s) * (H / s);
      outputs[`cls_${s}`] = new Float32Array(n);
      outputs[`obj_${s}`] = new Float32Array(n);
      outputs[`bbox_${s}`] = new Float32Array(4 * n);
      outputs[`kps_${s}`] = new Float32Array(10 * n);
    }
    // stride 16, cell (gx=2, gy=1) → row-major index 1*4+2 = 6
    const i = 6;
    outputs.cls_16[i] = 0.81;
    outputs.obj_16[i] = 1;
    outputs.bbox_16.set([0.5, 0.25, Math.log(2), Math.log(1)], 4 * i);
    outputs.kps_16.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], 10 * i);
    const faces = decodeYuNet((n) => outputs[n], W, H, 0.5);
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeCloseTo(0.9, 6);
    // centre ((2+0.5)*16, (1+0.25)*16) = (40, 20); size (32, 16)
    expect(faces[0].box.map((v) => Math.round(v * 1000) / 1000)).toEqual([24, 12, 56, 28]);
    expect(faces[0].landmarks[0]).toEqual([32, 16]);
    expect(faces[0].landmarks[4]).toEqual([48, 32]);
    expect(decodeYuNet((n) => outputs[n], W, H, 0.95)).toHaveLength(0);
  });

  it('suppresses the weaker of two overlapping faces', () => {
    const kept = nms([face([0, 0, 10, 10], 0.8), face([1, 1, 11, 11], 0.9), face([50, 50, 60, 60], 0.7)], 0.3);
    expect(kept.map((f) => f.score)).toEqual([0.9, 0.7]);
  });

  it('pads a picture to multiples of 32 at the top-left, keeping its pixels', () => {
    const img = { width: 33, height: 2, data: new Uint8Array(33 * 2 * 3).map((_, k) => (k % 251) + 1) };
    const p = padToStride(img);
    expect([p.width, p.height]).toEqual([64, 32]);
    expect(Array.from(p.data.subarray(64 * 3, 64 * 3 + 33 * 3))).toEqual(Array.from(img.data.subarray(33 * 3)));
    expect(p.data[33 * 3]).toBe(0);
  });
});

describe('mosaic packing', () => {
  it('places tiles without overlap inside mosaics no larger than asked', () => {
    const tiles = [96, 320, 64, 160, 128, 32, 320, 96, 64].map((s, k) => ({ region: { x: k, y: 0, scale: 1 }, w: s, h: s, ox: -1, oy: -1 }));
    const mosaics = packShelves(tiles, 640, 640);
    expect(mosaics.flatMap((m) => m.tiles)).toHaveLength(tiles.length);
    for (const m of mosaics) {
      expect(m.width).toBeLessThanOrEqual(640);
      expect(m.height).toBeLessThanOrEqual(640);
      for (const a of m.tiles) {
        expect(a.ox + a.w).toBeLessThanOrEqual(m.width);
        expect(a.oy + a.h).toBeLessThanOrEqual(m.height);
        for (const b of m.tiles) {
          if (a === b) continue;
          const apart = a.ox + a.w <= b.ox || b.ox + b.w <= a.ox || a.oy + a.h <= b.oy || b.oy + b.h <= a.oy;
          expect(apart).toBe(true);
        }
      }
    }
  });
});
