/**
 * The heatmap picture: core/analytics' grid (where people stood and walked), coloured and laid over the video's
 * representative frame (the one the paths picture uses), dimmed so the colours read.
 */
import { writeFile } from 'node:fs/promises';
import { createCanvas, ImageData } from '@napi-rs/canvas';
import { heatColor } from '../../../../core/analytics/index.js';
import { openInput, representativeFrame } from './input.js';

export async function renderHeatmap(inputPath: string, grid: Float32Array, cols: number, rows: number, outPath: string): Promise<{ width: number; height: number }> {
  const input = await openInput(inputPath);
  const { width, height } = input;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const rgba = await representativeFrame(input);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height), 0, 0);
  ctx.fillStyle = 'rgba(0,0,0,0.3)';
  ctx.fillRect(0, 0, width, height);
  // The grid as a small picture, scaled up smoothly over the frame.
  const heat = createCanvas(cols, rows);
  const pixels = new Uint8ClampedArray(cols * rows * 4);
  for (let i = 0; i < grid.length; i++) {
    const [r, g, b, a] = grid[i] > 0.02 ? heatColor(grid[i]) : [0, 0, 0, 0];
    pixels.set([r, g, b, a], 4 * i);
  }
  heat.getContext('2d').putImageData(new ImageData(pixels, cols, rows), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(heat, 0, 0, width, height);
  await writeFile(outPath, await canvas.encode('png'));
  return { width, height };
}
