/**
 * The tracker image cannot be built here (no Docker), so check what the build depends on: every source file
 * the container entry and the detector worker bundle (esbuild's own import graph, as in the Dockerfile) must
 * be inside the asset's build context and copied by the Dockerfile; the models come from the engine's catalogue.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../lib/functions.js';
import { TRACKER_BUILD_CONTEXT_ALLOW } from '../../lib/tracker-image.js';
import { DEFAULT_MODEL_NAMES, findModel } from '../../containers/tracker/src/models/catalogue.js';

const ENTRIES = ['containers/tracker/src/container/main.ts', 'containers/tracker/src/detect/worker.ts'];

test('every file the image bundles is in the build context and copied by the Dockerfile', async () => {
  const result = await build({
    entryPoints: ENTRIES.map((e) => join(REPO_ROOT, e)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['onnxruntime-node'],
    write: false,
    metafile: true,
    outdir: '/tmp/pp-image-check',
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/'));
  expect(sources).toEqual(expect.arrayContaining(ENTRIES));
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1]);
  const topFolders = TRACKER_BUILD_CONTEXT_ALLOW.map((p) => p.replace(/\/\*\*$/, ''));
  for (const source of sources) {
    const folder = topFolders.find((f) => source.startsWith(`${f}/`));
    expect({ source, inContext: folder !== undefined }).toEqual({ source, inContext: true });
    expect({ source, copied: copied.some((c) => source.startsWith(`${c}/`)) }).toEqual({ source, copied: true });
  }
});

test('the image fetches its models through the catalogue: no URL or checksum of its own, YOLOX-S as the detector', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  expect(dockerfile).not.toMatch(/https?:\/\//);
  expect(dockerfile).not.toMatch(/[0-9a-f]{64}/);
  const fetchLine = /node fetch\.mjs fetch --dir \/models ([^\n]+)/.exec(dockerfile);
  const names = fetchLine?.[1].trim().split(/\s+/) ?? [];
  expect(names).toEqual(expect.arrayContaining([DEFAULT_MODEL_NAMES.gpuDetector, DEFAULT_MODEL_NAMES.reid, DEFAULT_MODEL_NAMES.faces]));
  for (const name of names) expect(findModel(name)).toBeDefined();
  const detector = findModel(DEFAULT_MODEL_NAMES.gpuDetector)!;
  expect(detector.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(dockerfile).toContain(`PEOPLE_PATHING_MODEL=/opt/models/${detector.file}`);
  expect(dockerfile).toContain('PEOPLE_PATHING_MODELS_DIR=/opt/models');
  expect(dockerfile).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,utility,video/);
});

test('the model stage builds from the models folder alone (it imports nothing outside it)', async () => {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'containers/tracker/src/models/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outfile: '/tmp/pp-image-check/fetch.mjs',
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  const sources = Object.keys(result.metafile.inputs);
  expect(sources.length).toBeGreaterThan(1);
  for (const source of sources) expect({ source, inModels: source.startsWith('containers/tracker/src/models/') }).toEqual({ source, inModels: true });
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^COPY containers\/tracker\/src\/models \.\/models$/m);
});
