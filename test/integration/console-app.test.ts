/// <reference lib="dom.iterable" />
/// <reference lib="dom" />
/**
 * The console end to end, as a person uses it: the real `people-pathing serve` (child process, verified keys, the
 * real engine on a real video from the shared data) and Debian's Chromium driven by playwright-core. Sign-in with
 * the printed key (a wrong secret is refused), a job started from a bucket video and one from a dropped file, its
 * progress then SUCCEEDED, play and seek with boxes where the results say (read off the overlay canvas), a line and a
 * zone drawn by hand whose counts equal `analyse` with the saved zone file, the exports, and the refusals: nothing the
 * console serves is readable without a session, a state change needs the CSRF header, a revoked key ends its session.
 * Each screen is saved as a PNG under the test's temp dir (and copied to $PEOPLE_PATHING_SHOTS_DIR when set); an
 * axe-core check of each screen finds nothing serious or critical.
 */
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { RekognitionClient, paginateGetPersonTracking } from '@aws-sdk/client-rekognition';
import type { PersonDetection, VideoMetadata } from '@aws-sdk/client-rekognition';
import { parseZoneFile } from '../../core/analytics/index.js';
import type { Analysis } from '../../core/analytics/index.js';
import { FileKeyStore } from '../../cli/local/key-file-store.js';
import { makeDataDir } from '../fixtures/api/helpers.js';
import { describeWithData, DATA, MODELS } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PETS = join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi');
const STREET = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');
const CHROMIUM = process.env.PEOPLE_PATHING_CHROMIUM ?? '/usr/bin/chromium';
const execFileAsync = promisify(execFile);

/** The launch flags this machine's closed network needs (no background connections, no first-run work). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const describeData = describeWithData(PETS, STREET, join(MODELS, 'yolox_nano_416x416.onnx'), CHROMIUM);

interface Served {
  child: ChildProcess;
  url: string;
  consoleUrl: string;
  keyId: string;
  secret: string;
  stderr: string;
}

async function serve(dataDir: string, port = 0): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', String(port), '--data-dir', dataDir, '--no-faces'], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const served = { child, stderr: '' } as Served;
  child.stderr!.on('data', (d: Buffer) => (served.stderr += d.toString()));
  await new Promise<void>((resolveUp, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      const consoleUrl = /console on (http:\/\/127\.0\.0\.1:\d+\/console\/) \(loopback only/.exec(stdout);
      const key = /AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)/.exec(stdout);
      // A restart issues no key (the data dir has one already).
      if (url && consoleUrl && (key || port) && /AWS_ENDPOINT_URL_REKOGNITION=/.test(stdout)) {
        Object.assign(served, { url: url[1], consoleUrl: consoleUrl[1], keyId: key?.[1] ?? '', secret: key?.[2] ?? '' });
        resolveUp();
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${served.stderr}`)));
  });
  return served;
}

describeData('the console (Chromium, real server, real engine)', () => {
  let dataDir: string;
  let shots: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let shotNo = 0;
  let petsJobId = '';

  const shot = async (name: string) => {
    const file = join(shots, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.PEOPLE_PATHING_SHOTS_DIR) {
      await mkdir(process.env.PEOPLE_PATHING_SHOTS_DIR, { recursive: true });
      await copyFile(file, join(process.env.PEOPLE_PATHING_SHOTS_DIR, `${String(shotNo).padStart(2, '0')}-${name}.png`));
    }
  };

  /** axe-core injected into the page: the serious and critical violations of the current screen. */
  const axe = async (): Promise<string[]> => {
    const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    // Evaluated through the DevTools protocol, which the page's Content-Security-Policy (script-src 'self') allows.
    await page.evaluate(source);
    const result = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } };
      return w.axe.run(document, { resultTypes: ['violations'] });
    });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };

  beforeAll(async () => {
    // The app as `npm run build` builds it (dist/console), which the server serves.
    await execFileAsync(process.execPath, [join(REPO, 'console', 'build.js')], { cwd: REPO });
    dataDir = await makeDataDir('pp-console-');
    shots = join(dataDir, 'screenshots');
    await mkdir(shots, { recursive: true });
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    // The first 30 s of PETS09-S2L1 as it is (MPEG-4 Part 2 in AVI, stream copy): a format a browser cannot play.
    await execFileAsync('ffmpeg', ['-v', 'error', '-i', PETS, '-t', '30', '-c', 'copy', join(dataDir, 'buckets', 'videos', 'pets09.avi')]);
    server = await serve(dataDir);
    // playwright-core starts Chromium with a new, empty user data dir of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.child.exitCode === null) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves nothing without a session: jobs, videos, results, frames, paths and zones are refused', async () => {
    for (const path of ['jobs', 'videos', 'session', 'jobs/abc/video', 'jobs/abc/frame.png', 'jobs/abc/paths.png', 'jobs/abc', 'jobs/abc/zones']) {
      const r = await fetch(`${server.url}/console/api/${path}`);
      expect([path, r.status]).toEqual([path, 401]);
    }
    // An unsigned sign-in, and one signed with a key the server never issued.
    const unsigned = await fetch(`${server.url}/console/api/session`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('set-cookie')).toBeNull();
    // The app shell itself has no data and is served.
    const shell = await fetch(server.consoleUrl);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('app.js');
  });

  it('refuses a wrong secret at sign-in, then signs in with the printed key', async () => {
    await page.goto(server.consoleUrl);
    await page.getByLabel('Access key ID').fill(server.keyId);
    await page.getByLabel('Secret access key').fill(server.secret.slice(0, -2) + 'xx');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitText(page, '#signin-error', /not accepted/);
    await shot('sign-in-refused');
    expect(await axe()).toEqual([]);

    await page.getByLabel('Secret access key').fill(server.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Start a job' }).waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === 'pp_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console/' });
  });

  it('starts a job on a bucket video, shows its progress, then SUCCEEDED with its persons', async () => {
    await page.getByLabel('Video from a local bucket').selectOption({ label: await optionLabel(page, 'videos/pets09.avi') });
    await page.getByLabel('JobTag').fill('console-e2e');
    await shot('jobs-empty');
    expect(await axe()).toEqual([]);
    await page.getByRole('button', { name: 'Start job' }).click();
    await waitText(page, '#start-status', /Job \S+ started/);
    petsJobId = /Job (\S+) started/.exec((await page.textContent('#start-status'))!)![1];
    // JobProgress while IN_PROGRESS, as `get --wait` prints it.
    await waitText(page, `tr[data-job="${petsJobId}"] .progress-text`, /[1-9]\d*\.\d%.*frames [1-9]\d*\/\d+/, 300_000);
    await shot('jobs-in-progress');
    await waitText(page, `tr[data-job="${petsJobId}"] .status`, /SUCCEEDED/, 540_000);
    const row = page.locator(`tr[data-job="${petsJobId}"]`);
    expect(await row.textContent()).toContain('videos/pets09.avi');
    expect(await row.textContent()).toContain('console-e2e');
    const persons = Number(await row.locator('td').nth(6).textContent());
    expect(persons).toBeGreaterThan(5);
    await shot('jobs-succeeded');
  });

  it('a dropped file is copied into a bucket and started; a file that is no video fails with its StatusMessage', async () => {
    const notVideo = join(dataDir, 'notes.mp4');
    await writeFile(notVideo, 'this is not a video\n'.repeat(50));
    await page.setInputFiles('#video-file', notVideo);
    await waitText(page, '#start-status', /Job \S+ started/);
    const failedId = /Job (\S+) started/.exec((await page.textContent('#start-status'))!)![1];
    await waitText(page, `tr[data-job="${failedId}"] .status`, /FAILED/, 120_000);
    const message = await page.textContent(`tr[data-job="${failedId}"] .status-message`);
    expect(message).toMatch(/\S/);
    expect(message).not.toContain(dataDir);
    expect(existsSync(join(dataDir, 'buckets', 'console-uploads', '000000000000', 'notes.mp4'))).toBe(true);

    await page.setInputFiles('#video-file', STREET);
    await waitText(page, '#start-status', /Job \S+ started/);
    const streetId = /Job (\S+) started/.exec((await page.textContent('#start-status'))!)![1];
    await waitText(page, `tr[data-job="${streetId}"] .status`, /SUCCEEDED/, 300_000);
    await shot('jobs-uploaded');
  });

  it('plays and seeks with each person’s box where the results say', async () => {
    const persons = await allPersons(server, petsJobId);
    await page.goto(`${server.consoleUrl}#/jobs/${petsJobId}`);
    await page.waitForFunction(() => ((document.getElementById('video') as HTMLVideoElement | null)?.readyState ?? 0) >= 2, undefined, { timeout: 120_000 });
    // A moment with many people: the sample time with the most detections.
    const byTime = new Map<number, PersonDetection[]>();
    for (const p of persons) byTime.set(p.Timestamp!, [...(byTime.get(p.Timestamp!) ?? []), p]);
    const [t, present] = [...byTime.entries()].sort((a, b) => b[1].length - a[1].length)[0];
    expect(present.length).toBeGreaterThanOrEqual(4);
    await page.evaluate(async (ms) => {
      const v = document.getElementById('video') as HTMLVideoElement;
      await new Promise((r) => {
        v.addEventListener('seeked', r, { once: true });
        v.currentTime = ms / 1000;
      });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }, t);
    const { width, height, hits, misses } = await page.evaluate(({ boxes }) => {
      const c = document.getElementById('overlay') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const painted = (x: number, y: number) => {
        for (let dy = -3; dy <= 3; dy++)
          for (let dx = -3; dx <= 3; dx++) {
            const xx = Math.round(x) + dx;
            const yy = Math.round(y) + dy;
            if (xx >= 0 && yy >= 0 && xx < c.width && yy < c.height && px[(yy * c.width + xx) * 4 + 3] > 0) return true;
          }
        return false;
      };
      let hits = 0;
      let misses = 0;
      for (const b of boxes) {
        // The middle of the left and right edges of the box: drawn there, and only there, by the overlay.
        const y = (b.Top + b.Height / 2) * c.height;
        if (painted(b.Left * c.width, y) && painted((b.Left + b.Width) * c.width, y)) hits++;
        else misses++;
      }
      return { width: c.width, height: c.height, hits, misses };
    }, { boxes: present.map((p) => p.Person!.BoundingBox!) as { Left: number; Top: number; Width: number; Height: number }[] });
    expect([width, height]).toEqual([768, 576]);
    expect(misses).toBe(0);
    expect(hits).toBe(present.length);
    // Far from every box, the overlay is clear: boxes are where the results say, not everywhere.
    const clear = await page.evaluate(() => {
      const c = document.getElementById('overlay') as HTMLCanvasElement;
      return c.getContext('2d')!.getImageData(2, c.height - 3, 1, 1).data[3];
    });
    expect(clear).toBe(0);
    await page.locator('#paths').evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0) || new Promise((r) => img.addEventListener('load', r, { once: true })));
    expect(await page.locator('#paths').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(768);

    // Clicking a person shows their Index and first and last seen.
    const target = present[0].Person!;
    const box = (await page.locator('#overlay').boundingBox())!;
    await page.mouse.click(box.x + (target.BoundingBox!.Left! + target.BoundingBox!.Width! / 2) * box.width, box.y + (target.BoundingBox!.Top! + target.BoundingBox!.Height! / 2) * box.height);
    await waitText(page, '#person-info', /Person \d+.*First seen/s);
    await shot('watch-seeked-person');

    // Play: time advances and persons keep being drawn.
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction((start) => (document.getElementById('video') as HTMLVideoElement).currentTime > start + 1, t / 1000, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await axe()).toEqual([]);
  });

  it('draws a line and a zone; the counts equal analyse with the saved zone file; exports', async () => {
    const editor = page.locator('#editor');
    await editor.scrollIntoViewIfNeeded();
    const box = (await editor.boundingBox())!;
    const click = (x: number, y: number) => page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await page.getByRole('button', { name: 'Draw line' }).click();
    await click(0.5, 0.25);
    await click(0.5, 0.95);
    await page.getByRole('button', { name: 'Draw line' }).click();
    // A zone drawn with the keyboard alone: the cross starts where the last point went; arrows move it, Enter places.
    await page.getByRole('button', { name: 'Draw zone' }).click();
    await editor.focus();
    const press = async (key: string, n = 1) => {
      for (let i = 0; i < n; i++) await page.keyboard.press(key);
    };
    await press('Shift+ArrowLeft', 4); // 0.3
    await press('Shift+ArrowUp', 9); // 0.5
    await press('Enter');
    await press('Shift+ArrowRight', 6); // 0.6
    await press('Enter');
    await press('Shift+ArrowDown', 6); // 0.8
    await press('Enter');
    await press('Shift+ArrowLeft', 6); // 0.3
    await press('Enter');
    await page.getByRole('button', { name: 'Finish zone' }).click();
    await page.getByLabel('Name of line 1').fill('door');
    await page.getByLabel('Name of line 1').press('Tab');
    await page.getByLabel('Name of zone 1').fill('queue');
    await page.getByLabel('Name of zone 1').press('Tab');
    await page.getByRole('button', { name: 'Flip IN direction of door' }).click();
    await page.getByRole('button', { name: 'Save zone file' }).click();
    await waitText(page, '#save-state', /Saved: /);
    const savedPath = /Saved: (\S+\.json)/.exec((await page.textContent('#save-state'))!)![1];
    const zones = parseZoneFile(JSON.parse(await readFile(savedPath, 'utf8')));
    expect(zones.lines.map((l) => l.name)).toEqual(['door']);
    // Where the clicks and keys put them (to a pixel), the line flipped: its first end is now the lower one.
    const near = (got: number[][], want: number[][]) => {
      expect(got).toHaveLength(want.length);
      got.forEach((p, i) => p.forEach((v, k) => expect(Math.abs(v - want[i][k])).toBeLessThan(0.01)));
    };
    near(zones.lines[0].points, [[0.5, 0.95], [0.5, 0.25]]);
    near(zones.zones[0].points, [[0.3, 0.5], [0.6, 0.5], [0.6, 0.8], [0.3, 0.8]]);

    // analyse with the saved file over the job's results as GetPersonTracking JSON.
    const results = join(dataDir, 'pets09-results.json');
    await writeFile(results, JSON.stringify(await allResults(server, petsJobId)));
    const { analysis: expected, csvDir } = await analyseWithCli(results, savedPath, dataDir);
    await page.locator('#line-counts tr[data-line="door"]').waitFor();
    const shownIn = Number(await page.getAttribute('#line-counts tr[data-line="door"] td[data-in]', 'data-in'));
    const shownOut = Number(await page.getAttribute('#line-counts tr[data-line="door"] td[data-out]', 'data-out'));
    expect([shownIn, shownOut]).toEqual([expected.Lines[0].In, expected.Lines[0].Out]);
    expect(expected.Lines[0].In + expected.Lines[0].Out).toBeGreaterThan(0);
    const visits = Number(await page.getAttribute('#zone-counts tr[data-zone="queue"] td[data-visits]', 'data-visits'));
    const distinct = Number(await page.getAttribute('#zone-counts tr[data-zone="queue"] td[data-persons]', 'data-persons'));
    expect([visits, distinct]).toEqual([expected.Zones[0].Visits, expected.Zones[0].Persons]);
    expect(visits).toBeGreaterThan(0);
    await page.locator('#analysis-title').scrollIntoViewIfNeeded();
    await shot('lines-zones-counts');
    expect(await axe()).toEqual([]);

    // Exports: the analysis JSON (equal to analyse's), the zone file, the heatmap PNG, the CSVs.
    const save = async (id: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      const file = join(dataDir, 'exports', download.suggestedFilename());
      await download.saveAs(file);
      return file;
    };
    const analysisFile = await save('export-json');
    expect(JSON.parse(await readFile(analysisFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(parseZoneFile(JSON.parse(await readFile(await save('export-zones'), 'utf8')))).toEqual(zones);
    const png = await readFile(await save('export-heatmap'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([768, 576]);
    for (const name of ['crossings', 'visits', 'occupancy', 'buckets']) {
      const csv = await readFile(await save(`export-csv-${name}`), 'utf8');
      expect([name, csv]).toEqual([name, await readFile(join(csvDir, `${name}.csv`), 'utf8')]);
    }
    expect((await readdir(join(dataDir, 'exports'))).sort()).toEqual(
      ['analysis.json', 'buckets.csv', 'crossings.csv', 'heatmap.png', 'occupancy.csv', 'visits.csv', 'zones.json'].map((f) => `pets09-${f}`),
    );
  });

  it('state changes need the CSRF header; a revoked key ends its session', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'pp_console')!;
    const headers = { cookie: `pp_console=${cookie.value}` };
    expect((await fetch(`${server.url}/console/api/jobs`, { headers })).status).toBe(200);
    const forged = await fetch(`${server.url}/console/api/jobs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ Bucket: 'videos', Name: 'pets09.avi' }) });
    expect(forged.status).toBe(403);
    expect((await fetch(`${server.url}/console/api/jobs/${petsJobId}/video`, { headers, method: 'HEAD' })).status).toBe(200);

    await new FileKeyStore(dataDir).revoke(server.keyId);
    for (const path of ['jobs', `jobs/${petsJobId}/video`, `jobs/${petsJobId}/frame.png`, `jobs/${petsJobId}`]) {
      expect([path, (await fetch(`${server.url}/console/api/${path}`, { headers })).status]).toEqual([path, 401]);
    }
    await page.goto(`${server.consoleUrl}#/jobs`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('says when the connection is lost, keeps retrying, and goes on once the server is back', async () => {
    const key = await new FileKeyStore(dataDir).create('000000000000');
    await page.getByLabel('Access key ID').fill(key.accessKeyId);
    await page.getByLabel('Secret access key').fill(key.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Start a job' }).waitFor();
    const port = Number(new URL(server.url).port);
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
    // The jobs list polls: its next call cannot connect and says so.
    await waitText(page, '#connection', /Connection to the console server lost\. Retrying in \d+ s/, 60_000);
    await shot('connection-lost');
    server = await serve(dataDir, port);
    // Back: the banner goes. Sessions live in the server's memory, so the restart asks for a new sign-in.
    await page.waitForFunction(() => document.getElementById('connection')!.textContent === '', undefined, { timeout: 60_000 });
    await waitText(page, '#signin-error', /session ended/);
  });
});

/** Waits until the element's text matches. */
async function waitText(page: Page, selector: string, re: RegExp, timeout = 30_000): Promise<string> {
  await page.waitForFunction(
    ({ selector, source, flags }) => new RegExp(source, flags).test(document.querySelector(selector)?.textContent ?? ''),
    { selector, source: re.source, flags: re.flags },
    { timeout },
  );
  return (await page.textContent(selector)) ?? '';
}

async function optionLabel(page: Page, prefix: string): Promise<string> {
  await page.waitForFunction((p) => [...document.querySelectorAll('#video-pick option')].some((o) => o.textContent!.startsWith(p)), prefix);
  return page.evaluate((p) => [...document.querySelectorAll('#video-pick option')].find((o) => o.textContent!.startsWith(p))!.textContent!, prefix);
}

/** The job's GetPersonTracking pages through the real SDK, merged: what `people-pathing get --out` writes. */
async function allResults(server: Served, jobId: string): Promise<{ JobStatus?: string; VideoMetadata?: VideoMetadata; Persons: PersonDetection[] }> {
  const client = new RekognitionClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: server.keyId, secretAccessKey: server.secret } });
  const merged: { JobStatus?: string; VideoMetadata?: VideoMetadata; Persons: PersonDetection[] } = { Persons: [] };
  try {
    for await (const page of paginateGetPersonTracking({ client }, { JobId: jobId })) {
      merged.JobStatus = page.JobStatus;
      merged.VideoMetadata = page.VideoMetadata;
      merged.Persons.push(...(page.Persons ?? []));
    }
  } finally {
    client.destroy();
  }
  return merged;
}

async function allPersons(server: Served, jobId: string): Promise<PersonDetection[]> {
  return (await allResults(server, jobId)).Persons;
}

/** `people-pathing analyse RESULTS --zones Z --out analysis.json --csv DIR`, the real command: its analysis and CSV folder. */
async function analyseWithCli(results: string, zonesFile: string, outDir: string): Promise<{ analysis: Analysis; csvDir: string }> {
  const out = join(outDir, 'cli-analysis.json');
  const csvDir = join(outDir, 'cli-csv');
  await execFileAsync(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'analyse', results, '--zones', zonesFile, '--out', out, '--csv', csvDir], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { analysis: JSON.parse(await readFile(out, 'utf8')) as Analysis, csvDir };
}
