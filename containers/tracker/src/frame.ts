/**
 * A decoded picture handed between engine stages. Packed BGR24, row-major, `width * height * 3` bytes.
 * It may be a scaled-down copy of the source frame: a point (x, y) in source pixels is at
 * (x * width / sourceWidth, y * height / sourceHeight) in this image.
 */
export interface FrameImage {
  data: Uint8Array;
  width: number;
  height: number;
}
