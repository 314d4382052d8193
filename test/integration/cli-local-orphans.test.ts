/**
 * A segmented job's processes never outlive `serve`: the real CLI (`serve --workers 2`) tracks a real video long
 * enough to be cut into segments, and is killed with SIGKILL while its segment children and their ffmpeg run. Every
 * process of the job must be gone within 2 s, and the next start must sweep the segment folder the dead run left in
 * the data dir, and nothing else.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { makeDataDir, rekognition } from '../fixtures/api/helpers.js';
import { DATA, describeWithData, MODELS, YOLOX } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

/** Every process on the machine, from /proc (comm and state from /proc/<pid>/stat). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(ppid), state, comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The descendants of `root`. */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

/** Running (not a zombie waiting for its reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function startServe(dataDir: string): { child: ChildProcess; url: Promise<string>; stderr: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--auth', 'none', '--workers', '2', '--no-faces', '--models-dir', MODELS],
    { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.once('exit', (code, sig) => reject(new Error(`serve exited ${code ?? sig}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

describeWithData(SOURCE, YOLOX)('serve killed during a segmented job', () => {
  let dataDir: string;
  const started: ChildProcess[] = [];
  const seen = new Set<number>();

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-orphans-');
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    // 130 s of the PETS09 street scene: over the plan's 2 × 60 s, so two workers cut it into two segments.
    execFileSync('ffmpeg', ['-v', 'error', '-stream_loop', '1', '-i', SOURCE, '-t', '130', '-vf', 'scale=384:288', '-c:v', 'libx264',
      '-preset', 'ultrafast', '-an', join(dataDir, 'buckets', 'videos', 'long.mp4')]);
  });

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Whatever a failing run left behind must not outlive the test either.
    for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await sleep(500);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves no process of the job alive 2 s after SIGKILL, and the next start sweeps its segment folder', async () => {
    const first = startServe(dataDir);
    started.push(first.child);
    const client = rekognition(await first.url, 'AKIDORPHAN');
    try {
      await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'long.mp4' } } }));
    } finally {
      client.destroy();
    }
    const servePid = first.child.pid!;
    // Wait until both segment children decode: two node children of serve, each with its ffmpeg.
    let job: Proc[] = [];
    for (let i = 0; i < 600; i++) {
      job = descendants(servePid);
      job.forEach((p) => seen.add(p.pid));
      if (job.filter((p) => p.comm === 'ffmpeg').length >= 2) break;
      await sleep(100);
    }
    expect(job.filter((p) => p.comm === 'ffmpeg').length).toBeGreaterThanOrEqual(2);
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 2000;
    let survivors = job.filter((p) => alive(p.pid));
    while (survivors.length > 0 && Date.now() < deadline) {
      await sleep(50);
      survivors = survivors.filter((p) => alive(p.pid));
    }
    expect(survivors.map((p) => `${p.comm} ${p.pid}`)).toEqual([]);
    // The dead run's segment folder is in the data dir, named after its owner.
    const segments = join(dataDir, 'segments');
    const runDirs = (await readdir(segments).catch(() => [])).filter((n) => n.startsWith(`run-${servePid}-`));
    expect(runDirs).toHaveLength(1);
    expect(existsSync(join(segments, runDirs[0]))).toBe(true); // nobody cleaned up: the next start must

    // Beside it: a run folder of a live process (this one) and a folder that is not a run folder; both must stay.
    const live = join(segments, `run-${process.pid}-abcdef`);
    const other = join(segments, 'notes');
    await mkdir(live);
    await mkdir(other);
    const second = startServe(dataDir);
    started.push(second.child);
    await second.url;
    for (let i = 0; i < 50 && existsSync(join(segments, runDirs[0])); i++) await sleep(100);
    expect(existsSync(join(segments, runDirs[0]))).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(second.stderr()).toContain(`removed the segment folder of a stopped run: ${join(segments, runDirs[0])}`);
    expect(second.stderr()).not.toContain('ERR_IPC_DISCONNECTED');
    expect(first.stderr()).not.toContain('ERR_IPC_DISCONNECTED');

    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await stopped;
  }, 180_000);
});
