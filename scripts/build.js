/**
 * The project's build: each step turns source files into files under dist/ and runs only when what it reads has
 * changed since it last succeeded. "Changed" is a sha256 over the step's input paths and contents (so a checkout, a
 * rename or a deleted file counts, and a `touch` does not), kept in dist/.build/<step>.json after the step succeeds.
 *
 *   npm run build            runs the stale steps (node scripts/build.js; --force runs every step)
 *   people-pathing, npm start call ensureBuilt() first (cli/people-pathing.js), so every command works right after
 *                            `npm ci` and a start with nothing changed pays only for hashing the sources.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled. A new build step (a browser app's bundle, say) is
 * one more entry in STEPS: its name, the files it reads, and the command that writes its part of dist/.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMPS = join(ROOT, 'dist', '.build');
const require = createRequire(import.meta.url);

/** The folders tsconfig.build.json compiles (its `include`), so the two lists cannot drift. */
function tsconfigBuildIncludes() {
  return JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')).include;
}

/**
 * @typedef {object} Step
 * @property {string} name           the stamp's name (dist/.build/<name>.json)
 * @property {() => string[]} dirs   folders whose files (with one of `extensions`) the step reads, recursively
 * @property {string[]} extensions
 * @property {string[]} files        single files the step reads (configs, the lockfile for tool versions)
 * @property {() => string[]} command the program and its arguments, run in the repository root
 */
/** @type {Step[]} */
export const STEPS = [
  {
    name: 'typescript',
    dirs: tsconfigBuildIncludes,
    extensions: ['.ts', '.json'],
    files: ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
    // Incremental (tsconfig.build.json: dist/.tsbuildinfo): after a change only what it affects is re-emitted.
    command: () => [process.execPath, require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  },
  {
    // The browser console (console/, its own room): one esbuild bundle of its sources and core/analytics.
    name: 'console',
    dirs: () => ['console', 'core/analytics'],
    extensions: ['.ts', '.js', '.html', '.css', '.json'],
    files: ['package-lock.json'],
    command: () => [process.execPath, 'console/build.js'],
  },
];

function listFiles(dir, extensions, out) {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, extensions, out);
    else if (entry.isFile() && extensions.some((e) => entry.name.endsWith(e))) out.push(path);
  }
}

/** sha256 over the step's sorted input paths and their contents. */
export function inputsHash(step) {
  const files = [...step.files];
  for (const dir of step.dirs()) listFiles(dir, step.extensions, files);
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(ROOT, join(ROOT, file)) + '\0');
    try {
      hash.update(readFileSync(join(ROOT, file)));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
      hash.update('\0missing');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

function stampPath(step) {
  return join(STAMPS, `${step.name}.json`);
}

function isFresh(step, hash) {
  try {
    return JSON.parse(readFileSync(stampPath(step), 'utf8')).inputs === hash;
  } catch {
    return false;
  }
}

/**
 * Runs every stale step (every step with `force`). `log` gets one line per step that runs. Throws, with the step's
 * name, when a step fails; its own output (compiler errors) has already gone to stdout/stderr.
 * @returns {string[]} the names of the steps that ran
 */
export function ensureBuilt({ force = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const ran = [];
  for (const step of STEPS) {
    const hash = inputsHash(step);
    if (!force && isFresh(step, hash)) continue;
    log(`people-pathing: building ${step.name} into dist/ (sources changed since the last build)`);
    const [program, ...args] = step.command();
    // A step's own output goes to stderr: a command's stdout (track's JSON, say) carries only what it writes.
    const r = spawnSync(program, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      throw new Error(`the ${step.name} build step failed${r.error ? ` (${r.error.message})` : ''}; fix the errors above, then run the command again`);
    }
    mkdirSync(STAMPS, { recursive: true });
    writeFileSync(stampPath(step), JSON.stringify({ inputs: hash, builtAt: new Date().toISOString() }) + '\n');
    ran.push(step.name);
  }
  return ran;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const ran = ensureBuilt({ force: process.argv.includes('--force'), log: (line) => process.stdout.write(`${line}\n`) });
    if (ran.length === 0) process.stdout.write('people-pathing: dist/ is up to date\n');
  } catch (err) {
    process.stderr.write(`people-pathing: ${err.message}\n`);
    process.exitCode = 1;
  }
}
