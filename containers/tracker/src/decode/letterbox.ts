/**
 * Letterboxing: the frame is scaled to fit the detector input keeping its aspect ratio, and the rest is padded.
 * ffmpeg does the pixels (scale + pad); this module computes the one geometry both ffmpeg and the box decoder use,
 * so a box maps back to source pixels exactly as the pixels were placed.
 */
export interface LetterboxSpec {
  width: number;
  height: number;
  /** YOLOX places the scaled frame at the top-left; NanoDet centres it. */
  placement: 'top-left' | 'center';
  /** Grey level of the padding (YOLOX 114, NanoDet 0). */
  padValue: number;
}

export interface LetterboxGeometry {
  /** Scaled frame size inside the input. */
  scaledWidth: number;
  scaledHeight: number;
  /** Offset of the scaled frame inside the input. */
  padX: number;
  padY: number;
  /** input pixels per source pixel, per axis (equal up to rounding). */
  scaleX: number;
  scaleY: number;
}

export function letterboxGeometry(sourceWidth: number, sourceHeight: number, spec: LetterboxSpec): LetterboxGeometry {
  if (!(sourceWidth > 0 && sourceHeight > 0)) throw new RangeError('source size must be positive');
  const r = Math.min(spec.width / sourceWidth, spec.height / sourceHeight);
  const scaledWidth = Math.max(1, Math.min(spec.width, Math.round(sourceWidth * r)));
  const scaledHeight = Math.max(1, Math.min(spec.height, Math.round(sourceHeight * r)));
  const padX = spec.placement === 'center' ? Math.floor((spec.width - scaledWidth) / 2) : 0;
  const padY = spec.placement === 'center' ? Math.floor((spec.height - scaledHeight) / 2) : 0;
  return { scaledWidth, scaledHeight, padX, padY, scaleX: scaledWidth / sourceWidth, scaleY: scaledHeight / sourceHeight };
}

/** The ffmpeg filter chain that produces the detector input as packed BGR24. */
export function letterboxFilter(g: LetterboxGeometry, spec: LetterboxSpec): string {
  const hex = Math.max(0, Math.min(255, Math.round(spec.padValue))).toString(16).padStart(2, '0');
  return (
    `scale=${g.scaledWidth}:${g.scaledHeight}:flags=bilinear,format=bgr24,` +
    `pad=${spec.width}:${spec.height}:${g.padX}:${g.padY}:0x${hex}${hex}${hex}`
  );
}

/** Maps a box from detector-input pixels back to source pixels. */
export function unletterboxBox(
  g: LetterboxGeometry,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): [number, number, number, number] {
  return [(x1 - g.padX) / g.scaleX, (y1 - g.padY) / g.scaleY, (x2 - g.padX) / g.scaleX, (y2 - g.padY) / g.scaleY];
}
