import type { FaceDetail } from '../../../../core/types.js';
import type { FrameImage } from '../frame.js';
import type { Box } from '../track/types.js';

/** Finds faces in one output sample and assigns each to the person whose body box contains it best. */
export interface FaceAttacher {
  /**
   * `persons` boxes are in source-frame pixels; `frame` is the decoded picture (possibly scaled, see FrameImage).
   * Returns the Face of each person index that has a visible face (BoundingBox/Landmarks as ratios of the frame).
   */
  attach(
    frame: FrameImage,
    source: { width: number; height: number },
    persons: ReadonlyArray<{ index: number; box: Box }>,
  ): Promise<Map<number, FaceDetail>>;
}
