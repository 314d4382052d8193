/**
 * The tracker image cannot be built here (no Docker), so check what the build depends on: every source file
 * the container entry and the detector worker bundle (esbuild's own import graph, as in the Dockerfile) must
 * be inside the asset's build context and copied by the Dockerfile; the model is pinned by sha256.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../lib/functions.js';
import { TRACKER_BUILD_CONTEXT_ALLOW } from '../../lib/tracker-image.js';

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

test('the production model is fetched from its release and checked against a pinned sha256', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/ARG MODEL_URL=https:\/\/github\.com\/Megvii-BaseDetection\/YOLOX\/releases\/download\/0\.1\.1rc0\/yolox_s\.onnx/);
  expect(dockerfile).toMatch(/ARG MODEL_SHA256=[0-9a-f]{64}\n/);
  expect(dockerfile).toContain('sha256sum -c -');
  expect(dockerfile).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,utility,video/);
});

test('the GPU image requires a GPU: no silent CPU run when the device is missing', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  expect(runtime).toMatch(/^\s+PEOPLE_PATHING_REQUIRE_GPU=1 \\$/m);
});
