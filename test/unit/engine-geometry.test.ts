import { area, greedyNms, intersection, iou, iouAt, toRatioBox } from '../../core/geometry.js';
import { nms as detectorNms } from '../../containers/tracker/src/detect/postprocess.js';
import { nms as faceNms, type RawFace } from '../../containers/tracker/src/faces/yunet.js';

describe('geometry: one definition of box overlap', () => {
  it('computes area, intersection and IoU of pixel boxes', () => {
    expect(area([0, 0, 10, 20])).toBe(200);
    expect(intersection([0, 0, 10, 10], [5, 5, 15, 15])).toBe(25);
    expect(iou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(25 / 175, 12);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('gives 0 for boxes that only touch, are disjoint or are empty', () => {
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([5, 5, 5, 5], [0, 0, 10, 10])).toBe(0);
    expect(intersection([0, 0, 10, 10], [0, 10, 10, 20])).toBe(0);
  });

  it('reads boxes in place from flat arrays, at any offset', () => {
    const flat = [9, 9, 0, 0, 10, 10, 0.9, 5, 5, 15, 15, 0.8];
    expect(iouAt(flat, 2, flat, 7)).toBe(iou([0, 0, 10, 10], [5, 5, 15, 15]));
  });
});

describe('greedyNms', () => {
  const boxes = [
    [0, 0, 10, 10],
    [1, 1, 11, 11], // overlaps the first heavily
    [50, 50, 60, 60],
    [0, 0, 10, 10], // a copy of the first, same score as the third
  ];
  const overlap = (i: number, j: number): number => iou(boxes[i], boxes[j]);

  it('keeps the strongest of each overlapping group, strongest first', () => {
    expect(greedyNms([0.9, 0.8, 0.7, 0.7], overlap, 0.5)).toEqual([0, 2]);
  });

  it('keeps ties in input order and honours maxKeep and maxCandidates', () => {
    expect(greedyNms([0.5, 0.1, 0.5, 0.5], overlap, 0.5)).toEqual([0, 2]);
    expect(greedyNms([0.9, 0.8, 0.7, 0.7], overlap, 0.5, 1)).toEqual([0]);
    expect(greedyNms([0.9, 0.8, 0.7, 0.95], overlap, 0.5, Infinity, 2)).toEqual([3]);
  });

  it('is what the detector and the face detector both suppress with', () => {
    const flat = boxes.flatMap((b, i) => [...b, [0.9, 0.8, 0.7, 0.6][i]]);
    expect(detectorNms(flat, 0.5)).toEqual([0, 0, 10, 10, 0.9, 50, 50, 60, 60, 0.7]);
    const faces: RawFace[] = boxes.map((b, i) => ({ box: b as RawFace['box'], score: [0.6, 0.9, 0.7, 0.8][i], landmarks: [] }));
    expect(faceNms(faces, 0.5).map((f) => f.score)).toEqual([0.9, 0.7]);
  });
});

describe('toRatioBox', () => {
  it('reports ratios of the frame at float32 precision', () => {
    const r = toRatioBox([192, 108, 384, 540], 1920, 1080);
    expect(r).toEqual({ Width: Math.fround(0.1), Height: Math.fround(0.4), Left: Math.fround(0.1), Top: Math.fround(0.1) });
    for (const v of Object.values(r)) expect(Math.fround(v)).toBe(v);
  });
});
