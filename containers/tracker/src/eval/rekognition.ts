/**
 * MOTChallenge rows (ground truth or a tracker's output) as GetPersonTracking persons: Timestamp from the frame
 * number and frame rate (ms, rounded like Rekognition's), Index from the id, BoundingBox in ratios of the frame.
 * Ground-truth rows marked "don't care" (column 7 = 0) are left out.
 */
import type { PersonDetection, VideoMetadata } from '../../../../core/types.js';
import type { MotRow, SeqInfo } from './mot-io.js';

export function motTimestamp(frame: number, frameRate: number): number {
  return Math.round(((frame - 1) * 1000) / frameRate);
}

/** The persons in TIMESTAMP order (then Index), as GetPersonTracking with SortBy TIMESTAMP returns them. */
export function motRowsToPersons(rows: readonly MotRow[], info: Required<Pick<SeqInfo, 'frameRate' | 'imWidth' | 'imHeight'>>, options: { dropZeroFlag?: boolean } = {}): PersonDetection[] {
  const keep = options.dropZeroFlag === false ? rows : rows.filter((r) => r.flag !== 0);
  return [...keep]
    .sort((a, b) => a.frame - b.frame || a.id - b.id)
    .map((r) => ({
      Timestamp: motTimestamp(r.frame, info.frameRate),
      Person: {
        Index: r.id,
        BoundingBox: { Left: r.x / info.imWidth, Top: r.y / info.imHeight, Width: r.w / info.imWidth, Height: r.h / info.imHeight },
      },
    }));
}

export function motVideoMetadata(info: Required<Pick<SeqInfo, 'frameRate' | 'imWidth' | 'imHeight' | 'seqLength'>>): VideoMetadata {
  return {
    Codec: 'mjpeg',
    Format: 'MOTChallenge sequence',
    FrameRate: info.frameRate,
    FrameWidth: info.imWidth,
    FrameHeight: info.imHeight,
    DurationMillis: Math.round((info.seqLength * 1000) / info.frameRate),
  };
}
