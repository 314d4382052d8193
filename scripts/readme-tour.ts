/**
 * Runs the README's tour literally, so it cannot drift from what the project does (`npm run tour`; `.ci/run` calls
 * it after `npm test`).
 *
 * It reads README.md with a Markdown parser, takes every fenced block of the "A five-minute tour" section in order
 * (sh/bash/shell, js/ts, python; any other language is left alone), and runs it in a fresh copy of the working tree
 * with an empty HOME and no AWS or people-pathing setting in the environment, as a stranger would. Only what the
 * README marks as the reader's own is filled in (PLACEHOLDERS below), plus what the README itself tells older clients
 * to do (CLIENT_ADAPTATIONS). A step added to the tour is covered without touching this file.
 *
 * How the shell steps run: one line at a time (a trailing `\` joins lines), each in bash with the environment the
 * previous lines exported, so a pasted `export` line carries on. A command that starts a server (`npm start`,
 * `people-pathing serve`) runs in the background until the next one replaces it, as a reader stops one before
 * starting the other; the runner waits until it listens. `npm ci` is not repeated: the caller installed the tree
 * (.ci/run runs it with an empty HOME just before).
 *
 * Offline: the README's own step for a machine without internet (`people-pathing models fetch --from /that/folder`)
 * runs first, with the shared models folder.
 *
 *   npm run tour [-- --keep]     prints a transcript; exit status 1 at the first step that fails
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(REPO, process.env.PEOPLE_PATHING_DATA_DIR ?? '../shared/data');
const TOUR_HEADING = 'A five-minute tour';
const STEP_TIMEOUT_MS = 10 * 60_000;
const SERVER_START_TIMEOUT_MS = 5 * 60_000;

export interface Block {
  lang: 'sh' | 'js' | 'ts' | 'python';
  code: string;
  line: number;
}

/** The tour's runnable fenced blocks, in order. */
export function tourBlocks(markdown: string, heading = TOUR_HEADING): Block[] {
  const tokens = new MarkdownIt().parse(markdown, {});
  const blocks: Block[] = [];
  let inTour = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open' && t.tag === 'h2') inTour = tokens[i + 1]?.content.trim() === heading;
    if (!inTour || t.type !== 'fence') continue;
    const info = t.info.trim().split(/\s+/)[0]!.toLowerCase();
    const lang = ({ sh: 'sh', bash: 'sh', shell: 'sh', console: undefined, js: 'js', javascript: 'js', mjs: 'js', ts: 'ts', typescript: 'ts', python: 'python', py: 'python' } as const)[info as 'sh'];
    if (lang) blocks.push({ lang, code: t.content, line: (t.map?.[0] ?? 0) + 1 });
  }
  return blocks;
}

/** The README's inline code spans outside the tour that a reader without internet runs first. */
export function offlineSteps(markdown: string): string[] {
  const spans: string[] = [];
  const walk = (tokens: ReturnType<MarkdownIt['parse']>): void => {
    for (const t of tokens) {
      if (t.type === 'code_inline' && /people-pathing models fetch --from /.test(t.content)) spans.push(t.content);
      if (t.children) walk(t.children);
    }
  };
  walk(new MarkdownIt().parse(markdown, {}));
  return spans.slice(0, 1);
}

interface TourState {
  /** The last JobId a step printed. */
  jobId?: string;
  /** The `export …` line the first server start printed. */
  exportLine?: string;
  /** The endpoint the current server printed. */
  endpoint?: string;
}

/** The reader's own videos the tour names, put into the empty HOME from the shared test data. */
const READER_VIDEOS: Record<string, string> = {
  'Videos/street.mp4': 'videos/mmtracking_demo_8frames_1080p.mp4',
  'Videos/long.mp4': 'videos/pets09_s2l1_opencv_vtest.avi',
};

/** What the README leaves to the reader, and what the runner puts there. The only substitutions made. */
const PLACEHOLDERS: Array<{ pattern: RegExp; value: (s: TourState) => string | undefined; what: string }> = [
  { pattern: /<JobId>/g, value: (s) => s.jobId, what: 'the JobId the tour started' },
  { pattern: /^export AWS_ACCESS_KEY_ID=AKPP\.\.\..*# the line npm start printed$/gm, value: (s) => s.exportLine, what: 'the line npm start printed' },
  { pattern: /\/that\/folder/g, value: () => join(DATA, 'models'), what: 'a folder holding the model files' },
];

function fill(code: string, state: TourState): string {
  let out = code;
  for (const p of PLACEHOLDERS) {
    out = out.replace(p.pattern, () => {
      const v = p.value(state);
      if (v === undefined) throw new Error(`the tour needs ${p.what} before this step, and no earlier step provided it`);
      return v;
    });
  }
  return out;
}

/** [major, minor, patch] of the first version number in `text`. */
function version(text: string): number[] {
  return (/(\d+)\.(\d+)\.(\d+)/.exec(text) ?? []).slice(1).map(Number);
}
const atLeast = (v: number[], min: number[]): boolean => {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  return true;
};

/**
 * What the README tells older clients to do ("Older boto3 and AWS CLI releases ignore AWS_ENDPOINT_URL_REKOGNITION;
 * pass endpoint_url= / --endpoint-url instead"), applied only to a client that is older: botocore before 1.31.57,
 * AWS CLI v1 before 1.29.57 and v2 before 2.13.23 read no service-specific endpoint variable.
 */
const CLIENT_ADAPTATIONS = {
  awsCli(line: string, endpoint: string): string {
    if (!/(^|\s)aws rekognition /.test(line)) return line;
    const v = version(spawnSync('aws', ['--version'], { encoding: 'utf8' }).stdout ?? '');
    const reads = v[0] === 1 ? atLeast(v, [1, 29, 57]) : atLeast(v, [2, 13, 23]);
    return reads ? line : line.replace(/aws rekognition (\S+)/, `aws rekognition $1 --endpoint-url ${endpoint}`);
  },
  python(code: string, endpoint: string, python: string): string {
    const v = version(spawnSync(python, ['-c', 'import botocore; print(botocore.__version__)'], { encoding: 'utf8' }).stdout ?? '');
    if (atLeast(v, [1, 31, 57])) return code;
    return code.replace(/boto3\.client\("rekognition"\)/g, `boto3.client("rekognition", endpoint_url="${endpoint}")`);
  },
};

class Tour {
  private readonly work: string;
  private readonly home: string;
  private readonly envFile: string;
  private server: ChildProcess | undefined;
  private readonly state: TourState = {};
  private step = 0;

  constructor(private readonly keep: boolean) {
    this.work = mkdtempSync(join(tmpdir(), 'pp-tour-'));
    this.home = join(this.work, 'home');
    mkdirSync(this.home);
    this.envFile = join(this.work, 'env.sh');
  }

  /** A fresh copy of the working tree (tracked and untracked, not ignored), with the installed node_modules. */
  prepare(): string {
    const tree = join(this.work, 'tree');
    const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
    if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
    for (const f of files.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(REPO, f))) continue; // deleted in the working tree
      mkdirSync(dirname(join(tree, f)), { recursive: true });
      cpSync(join(REPO, f), join(tree, f));
    }
    symlinkSync(join(REPO, 'node_modules'), join(tree, 'node_modules'));
    // The environment of a stranger's shell: no AWS or people-pathing setting, an empty HOME.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|PEOPLE_PATHING_|npm_|NODE_OPTIONS$|INIT_CWD$)/.test(k)));
    env.HOME = this.home;
    for (const [mine, shared] of Object.entries(READER_VIDEOS)) {
      mkdirSync(dirname(join(this.home, mine)), { recursive: true });
      cpSync(join(DATA, shared), join(this.home, mine));
    }
    writeFileSync(this.envFile, Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v ?? '')}`).join('\n') + '\n');
    return tree;
  }

  private print(text: string): void {
    process.stdout.write(text);
  }

  /** One shell command line, with the exported environment of the lines before it. */
  private async shell(tree: string, line: string): Promise<void> {
    const parts = line.split(/\s*&&\s*/);
    const skipped = parts.filter((p) => /^npm ci(\s|$)/.test(p.trim()));
    const rest = parts.filter((p) => !skipped.includes(p)).join(' && ');
    if (skipped.length) this.print(`# (npm ci: installed before the tour)\n`);
    if (!rest.trim()) return;
    if (/^(npm start|npx people-pathing serve)(\s|$)/.test(rest.trim())) return this.startServer(tree, rest);
    const command = CLIENT_ADAPTATIONS.awsCli(rest, this.state.endpoint ?? 'http://127.0.0.1:8085');
    if (command !== rest) this.print(`# (this AWS CLI ignores AWS_ENDPOINT_URL_REKOGNITION; as the README says: ${command})\n`);
    const script = `set -eo pipefail; source ${shellQuote(this.envFile)}; ${command}\nexport -p > ${shellQuote(this.envFile)}`;
    await this.run(tree, 'bash', ['-c', script]);
  }

  private run(tree: string, program: string, args: string[]): Promise<void> {
    return new Promise((resolveRun, reject) => {
      const env = this.envFromFile();
      const child = spawn(program, args, { cwd: tree, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        this.print(d.toString());
      });
      child.stderr.on('data', (d: Buffer) => this.print(d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const ids = [...out.matchAll(/"?JobId"?\s*[:=]\s*['"]?([0-9a-f]{64})/g)].map((m) => m[1]!);
        if (ids.length) this.state.jobId = ids.at(-1);
        if (code === 0) resolveRun();
        else reject(new Error(`exit ${code ?? signal}`));
      });
    });
  }

  private envFromFile(): NodeJS.ProcessEnv {
    const r = spawnSync('bash', ['-c', `source ${shellQuote(this.envFile)}; env -0`], { encoding: 'utf8' });
    return Object.fromEntries(r.stdout.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  }

  private async stopServer(): Promise<void> {
    const s = this.server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    process.kill(-s.pid!, 'SIGTERM');
    await exited;
    this.print('# (stopped the previous server)\n');
  }

  private async startServer(tree: string, command: string): Promise<void> {
    await this.stopServer();
    const child = spawn('bash', ['-c', `source ${shellQuote(this.envFile)}; exec ${command}`], { cwd: tree, env: this.envFromFile(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.server = child;
    let out = '';
    let err = '';
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start in ${SERVER_START_TIMEOUT_MS / 1000} s`)), SERVER_START_TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        this.print(d.toString().replace(/^(?=.)/gm, '[server] '));
        const endpoint = /endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        // Its first lines come together: the endpoint, then (first start only) the export line, then the hint line.
        if (endpoint && /AWS_ENDPOINT_URL_REKOGNITION=\S+ aws rekognition/.test(out)) {
          this.state.endpoint = endpoint;
          this.state.exportLine ??= /^export AWS_ACCESS_KEY_ID=.*$/m.exec(out)?.[0];
          clearTimeout(timer);
          resolveStart();
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        this.print(d.toString().replace(/^(?=.)/gm, '[server stderr] '));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before it listened: ${err.trim().split('\n').at(-1) ?? ''}`));
      });
    });
    this.print(`# (server running in the background: ${command})\n`);
  }

  private async script(tree: string, block: Block, code: string): Promise<void> {
    const file = join(tree, `tour-step-${this.step}.${block.lang === 'python' ? 'py' : block.lang === 'ts' ? 'mts' : 'mjs'}`);
    if (block.lang === 'python') {
      for (const python of pythonsWithBoto3()) {
        const adapted = CLIENT_ADAPTATIONS.python(code, this.state.endpoint ?? 'http://127.0.0.1:8085', python);
        const botocore = spawnSync(python, ['-c', 'import botocore; print(botocore.__version__)'], { encoding: 'utf8' }).stdout.trim();
        this.print(`# (${python}, botocore ${botocore}${adapted !== code ? ': it ignores AWS_ENDPOINT_URL_REKOGNITION, so endpoint_url= is passed, as the README says' : ''})\n`);
        writeFileSync(file, adapted);
        await this.run(tree, python, [file]);
      }
      return;
    }
    writeFileSync(file, code);
    return this.run(tree, process.execPath, block.lang === 'ts' ? ['--import', 'tsx', file] : [file]);
  }

  async runAll(): Promise<number> {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const blocks = tourBlocks(readme);
    if (blocks.length === 0) throw new Error(`README.md has no runnable block under "## ${TOUR_HEADING}"`);
    const tree = this.prepare();
    this.print(`# the README's tour: ${blocks.length} blocks, run in ${tree} with HOME=${this.home}\n`);
    try {
      for (const line of offlineSteps(readme)) {
        const filled = fill(line, this.state);
        this.print(`\n$ ${filled}\n`);
        await this.shell(tree, filled);
      }
      for (const block of blocks) {
        this.step++;
        this.print(`\n# --- README.md line ${block.line} (${block.lang}) ---\n`);
        if (block.lang === 'sh') {
          for (const raw of block.code.replace(/\\\n/g, ' ').split('\n')) {
            const line = raw.trim();
            if (!line || line.startsWith('#')) continue;
            const filled = fill(line, this.state);
            this.print(`$ ${filled}\n`);
            await this.shell(tree, filled);
          }
        } else {
          const code = fill(block.code, this.state);
          this.print(code.replace(/^/gm, '> '));
          await this.script(tree, block, code);
        }
      }
      this.print('\n# the tour ran to the end\n');
      return 0;
    } catch (err) {
      this.print(`\n# the tour failed at README.md block ${this.step}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await this.stopServer().catch(() => undefined);
      if (this.keep) this.print(`# kept ${this.work}\n`);
      else rmSync(this.work, { recursive: true, force: true });
    }
  }
}

/** Debian's python3 (its boto3 is old) and the one on PATH, where it is another with boto3 (a newer one). */
function pythonsWithBoto3(): string[] {
  const found = new Map<string, string>();
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import boto3, sys; print(sys.executable)'], { encoding: 'utf8' });
    if (r.status === 0 && !found.has(r.stdout.trim())) found.set(r.stdout.trim(), python);
  }
  if (found.size === 0) throw new Error('the tour has a Python step and no python3 here has boto3 (apt-get install python3-boto3)');
  return [...found.values()];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  new Tour(process.argv.includes('--keep')).runAll().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`readme-tour: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
