// Shared paths for the engine's integration tests: data is read through PEOPLE_PATHING_DATA_DIR / _MODELS_DIR.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
export const MODELS = resolve(process.env.PEOPLE_PATHING_MODELS_DIR ?? join(DATA, 'models'));
export const YOLOX = join(MODELS, 'yolox_nano_416x416.onnx');

/** Makes a small test video with real ffmpeg (lavfi sources), e.g. ffmpegMake(out, ['-f','lavfi','-i','testsrc2=...']). */
export function ffmpegMake(out: string, args: string[]): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}
