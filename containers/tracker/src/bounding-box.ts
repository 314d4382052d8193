/** Boxes in source pixels as Rekognition's BoundingBox (plain TypeScript: the stitch Lambda uses it too). */
import type { BoundingBox } from '../../../core/types.js';

/** A box [x1,y1,x2,y2] in source pixels as Rekognition's BoundingBox (ratios, float32 precision like Rekognition). */
export function toBoundingBox(box: readonly number[], width: number, height: number): BoundingBox {
  return {
    Width: Math.fround((box[2] - box[0]) / width),
    Height: Math.fround((box[3] - box[1]) / height),
    Left: Math.fround(box[0] / width),
    Top: Math.fround(box[1] / height),
  };
}
