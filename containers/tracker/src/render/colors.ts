/**
 * One stable colour per person Index: hues spread by the golden ratio (consecutive indices are far apart on the
 * colour wheel, and any index always gets the same colour in every render), saturated and bright so boxes stand out
 * on video and survive 4:2:0 chroma subsampling.
 */
export type Rgb = [number, number, number];

const GOLDEN = 0.618033988749895;

export function colourForIndex(index: number): Rgb {
  const h = (((index * GOLDEN + 0.11) % 1) + 1) % 1;
  return hsvToRgb(h, 0.9, 1);
}

export function css([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

/** Black or white, whichever reads better on the colour. */
export function textColourOn([r, g, b]: Rgb): string {
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}
