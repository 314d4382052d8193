/**
 * Reading MOTChallenge files: ground truth / tracker results (`gt/gt.txt`, `<SEQ>.txt`) and `seqinfo.ini`.
 *
 * Rows are `frame,id,bb_left,bb_top,bb_width,bb_height,flag|conf,...` (1-based frames, pixels, top-left
 * corner + size). Ground truth comes in two layouts:
 *   - MOT15 (2D MOT 2015): `frame,id,x,y,w,h,flag,wx,wy,wz`; column 7 = 0 marks a "don't care" box.
 *   - MOT16/17/20: `frame,id,x,y,w,h,flag,class,visibility`; class 1 = pedestrian, others as in
 *     `MOT_CLASS_IDS`.
 * Like TrackEval, fields may be separated by commas or whitespace, and blank lines are skipped.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Column 7: the ground truth's consider/ignore flag, or the tracker's confidence. */
  flag: number;
  /** Column 8 when present (MOT16/17 class id; world x or -1 in MOT15), else NaN. */
  col8: number;
  /** Column 9 when present (MOT16/17 visibility), else NaN. */
  col9: number;
  /** How many columns the row had. */
  columns: number;
}

/** TrackEval's class ids for MOT16/17/20 ground truth (mot_challenge_2d_box.py). */
export const MOT_CLASS_IDS = {
  pedestrian: 1,
  person_on_vehicle: 2,
  car: 3,
  bicycle: 4,
  motorbike: 5,
  non_mot_vehicle: 6,
  static_person: 7,
  distractor: 8,
  occluder: 9,
  occluder_on_ground: 10,
  occluder_full: 11,
  reflection: 12,
  crowd: 13,
} as const;

export type MotBenchmark = 'MOT15' | 'MOT17' | 'MOT20';

/** Parses MOT rows. Throws with the line number on a row that has fewer than 6 numeric columns. */
export function parseMotText(text: string, what = 'MOT file'): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const parts = line.split(/[\s,]+/).filter((s) => s !== '');
    const nums = parts.map(Number);
    if (nums.length < 6 || nums.slice(0, 6).some((v) => !Number.isFinite(v))) {
      throw new Error(`${what}: line ${n + 1} is not a MOT row: ${line.slice(0, 80)}`);
    }
    rows.push({
      frame: Math.trunc(nums[0]),
      id: Math.trunc(nums[1]),
      x: nums[2],
      y: nums[3],
      w: nums[4],
      h: nums[5],
      flag: nums.length > 6 ? nums[6] : 1,
      col8: nums.length > 7 ? nums[7] : NaN,
      col9: nums.length > 8 ? nums[8] : NaN,
      columns: nums.length,
    });
  }
  return rows;
}

export async function readMotFile(path: string): Promise<MotRow[]> {
  return parseMotText(await readFile(path, 'utf8'), path);
}

/**
 * Which ground-truth layout a file uses: MOT17-style when every row has exactly 9 columns with an integer
 * class 1..13 in column 8 and a visibility 0..1 in column 9; MOT15 otherwise (its columns 8–10 are -1 or
 * world coordinates). An empty file counts as MOT15 (nothing to filter).
 */
export function detectGtLayout(rows: readonly MotRow[]): 'MOT15' | 'MOT17' {
  if (rows.length === 0) return 'MOT15';
  const mot17 = rows.every(
    (r) => r.columns === 9 && Number.isInteger(r.col8) && r.col8 >= 1 && r.col8 <= 13 && r.col9 >= 0 && r.col9 <= 1,
  );
  return mot17 ? 'MOT17' : 'MOT15';
}

export interface SeqInfo {
  name?: string;
  imDir?: string;
  frameRate?: number;
  seqLength?: number;
  imWidth?: number;
  imHeight?: number;
  imExt?: string;
}

/** Parses the `[Sequence]` section of a seqinfo.ini (keys are case-sensitive as MOTChallenge writes them). */
export function parseSeqInfo(text: string): SeqInfo {
  const kv: Record<string, string> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || (section !== '' && section !== 'sequence')) continue;
    kv[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const num = (k: string): number | undefined => {
    const v = kv[k] === undefined ? NaN : Number(kv[k]);
    return Number.isFinite(v) ? v : undefined;
  };
  return {
    name: kv.name,
    imDir: kv.imDir,
    frameRate: num('frameRate'),
    seqLength: num('seqLength'),
    imWidth: num('imWidth'),
    imHeight: num('imHeight'),
    imExt: kv.imExt,
  };
}

export interface MotSequence {
  /** Sequence name: seqinfo's `name`, else the folder name. */
  name: string;
  dir: string;
  info: SeqInfo;
  gt: MotRow[];
  /** Whether the folder has frames (`img1/` or seqinfo's imDir). */
  hasFrames: boolean;
}

/** Loads a MOTChallenge sequence folder: `seqinfo.ini` (optional), `gt/gt.txt` (required). */
export async function loadMotSequence(seqDir: string): Promise<MotSequence> {
  const dir = resolve(seqDir);
  const iniPath = join(dir, 'seqinfo.ini');
  const info = existsSync(iniPath) ? parseSeqInfo(await readFile(iniPath, 'utf8')) : {};
  const gtPath = join(dir, 'gt', 'gt.txt');
  if (!existsSync(gtPath)) throw new Error(`${dir}: no gt/gt.txt`);
  const gt = await readMotFile(gtPath);
  return { name: info.name ?? basename(dir), dir, info, gt, hasFrames: existsSync(join(dir, info.imDir ?? 'img1')) };
}
