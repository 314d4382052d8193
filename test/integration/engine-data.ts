// Shared paths for the engine's integration tests: data is read through PEOPLE_PATHING_DATA_DIR / _MODELS_DIR.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
export const MODELS = resolve(process.env.PEOPLE_PATHING_MODELS_DIR ?? join(DATA, 'models'));
export const YOLOX = join(MODELS, 'yolox_nano_416x416.onnx');

/** Makes a small test video with real ffmpeg (lavfi sources), e.g. ffmpegMake(out, ['-f','lavfi','-i','testsrc2=...']). */
export function ffmpegMake(out: string, args: string[]): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/**
 * What a suite that needs the test data does when some of `paths` are missing: 'run' when all exist; else 'skip'
 * with the one line to print, or — with CI=true, so CI can never pass by skipping — an Error with that line.
 */
export function dataGate(paths: readonly string[], env: NodeJS.ProcessEnv = process.env): { action: 'run' } | { action: 'skip'; line: string } {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return { action: 'run' };
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
  const line =
    `test data missing: ${missing[0]}${more}; point PEOPLE_PATHING_DATA_DIR at the shared data folder ` +
    '(and PEOPLE_PATHING_MODELS_DIR at its models/, as .ci/run does)';
  if (env.CI === 'true' || env.CI === '1') throw new Error(`${line} [CI=true: a missing data folder is an error]`);
  return { action: 'skip', line: `skipped: ${line}` };
}

/**
 * `describe` for a suite that reads `paths` (files under DATA or MODELS): the real describe when they exist; else
 * one line on stderr and describe.skip; with CI=true the suite fails to load instead.
 */
export function describeWithData(...paths: string[]): jest.Describe {
  const gate = dataGate(paths);
  if (gate.action === 'run') return describe;
  process.stderr.write(`${gate.line}\n`);
  return describe.skip;
}
