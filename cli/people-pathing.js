#!/usr/bin/env node
// The `people-pathing` command (package.json "bin"; `npm start` runs `people-pathing serve` through it). It brings
// dist/ up to date with the sources (scripts/build.js: only a hash of the sources when nothing
// changed), then runs the compiled CLI. Plain JavaScript, so it works right after `npm ci`, before any build.
import { ensureBuilt } from '../scripts/build.js';

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`people-pathing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
await import('../dist/cli/main.js');
