// Builds the console into dist/console: one minified ES module bundle (esbuild) beside index.html and app.css.
// Run by `npm run build:console` (and so by `npm run build`). Nothing is fetched at run time: no CDN, no web fonts.
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'console');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  sourcemap: 'linked',
  legalComments: 'none',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) await copyFile(join(here, f), join(out, f));
const size = (await stat(join(out, 'app.js'))).size;
console.log(`console: dist/console/app.js ${(size / 1024).toFixed(1)} KiB`);
