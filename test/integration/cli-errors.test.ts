/**
 * The commands' common mistakes each get one line on stderr that says what to do, and an exit status: a missing
 * results file or video, a missing or unknown option, a bad value. Each command's real `run` in this process.
 */
import { jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as render } from '../../cli/render.js';
import { run as track } from '../../cli/track.js';
import { run as get } from '../../cli/get.js';

async function captured(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; lines: string[] }> {
  let text = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    return { code: await run(argv), lines: text.trimEnd().split('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('one-line errors that say what to do', () => {
  let dir: string;
  let video: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-cli-errors-'));
    video = join(dir, 'street.mp4');
    await writeFile(video, 'not checked before the results file');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('render without its results file names the file and the command that makes it', async () => {
    const missing = join(dir, 'results.json');
    const r = await captured(render, [video, '--results', missing, '--out', join(dir, 'a.mp4')]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `people-pathing render: no results file at ${missing} (no such file or folder): make one with \`people-pathing track ${video} --out ${missing}\` (or \`people-pathing get --job-id ID --out ${missing}\`)`,
    ]);
  });

  it('render and track without their video say so', async () => {
    const gone = join(dir, 'gone.mp4');
    const r = await captured(render, [gone, '--results', join(dir, 'r.json'), '--paths', join(dir, 'p.png')]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`people-pathing render: no video or MOT sequence at ${gone} (no such file or folder): give the video the results were tracked from`]);
    const t = await captured(track, [gone, '--out', join(dir, 'r.json')]);
    expect(t.code).toBe(1);
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatch(new RegExp(`^people-pathing track: no video or MOT sequence at ${gone} \\(no such file or folder\\): give a video file`));
  });

  it('a missing or bad option is one line naming it and --help', async () => {
    for (const [run, argv, why] of [
      [render, [video, '--out', 'a.mp4'], '--results FILE is required'],
      [render, [video, '--results', 'r.json'], 'say what to draw'],
      [render, [video, '--results'], "Option '--results <value>' argument missing"],
      [get, ['--job-id', 'x', '--sort-by', 'NAME'], '--sort-by must be TIMESTAMP or INDEX'],
      [get, ['--jobid', 'x'], "Unknown option '--jobid'"],
    ] as const) {
      const r = await captured(run, [...argv]);
      expect(r.code).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toContain(why);
      expect(r.lines[0]).toMatch(/\(`people-pathing (render|get) --help` lists the options\)$/);
    }
  });
});
