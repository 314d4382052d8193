/**
 * The tracker image cannot be built here (no Docker), so check what the build depends on: every source file
 * the container entry and the detector worker bundle (esbuild's own import graph, as in the Dockerfile) must
 * be inside the asset's build context and copied by the Dockerfile; the models come from the engine's catalogue; the Node version
 * is the Lambdas' LTS; the native runtime is copied for linux/x64 only, by the script the Dockerfile runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { LAMBDA_RUNTIME, REPO_ROOT } from '../../lib/functions.js';
import { TRACKER_BUILD_CONTEXT_ALLOW } from '../../lib/tracker-image.js';
import { DEFAULT_MODEL_NAMES, findModel } from '../../containers/tracker/src/models/catalogue.js';

const run = promisify(execFile);
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

test('the image runs the Node LTS the Lambdas run (nodejs24.x), bundled for it', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const lambdaMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1];
  expect(lambdaMajor).toBe('24');
  expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${lambdaMajor}(\\.\\d+)*-bookworm$`, 'm'));
  const targets = [...dockerfile.matchAll(/--target=(node\d+)/g)].map((m) => m[1]);
  expect(targets).toEqual([`node${lambdaMajor}`]);
  // The runtime stage takes its node binary from the build stage, which is NODE_IMAGE.
  expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
  expect(dockerfile).toContain('COPY --from=build /usr/local/bin/node /usr/local/bin/node');
});

test("the image copies onnxruntime-node with its linux/x64 binaries only, and that copy loads and runs a model", async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  expect(dockerfile).toContain('sh containers/tracker/copy-onnxruntime.sh node_modules /out/node_modules linux x64');
  expect(dockerfile).not.toMatch(/cp -r node_modules\/onnxruntime-node/);
  // Run the same script on this checkout's packages (every platform's binaries, as npm ci installs them).
  const dir = await mkdtemp(join(tmpdir(), 'pp-ort-copy-'));
  try {
    await run('sh', [join(REPO_ROOT, 'containers/tracker/copy-onnxruntime.sh'), join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'linux', 'x64']);
    const bin = join(dir, 'node_modules/onnxruntime-node/bin/napi-v6');
    expect(await readdir(bin)).toEqual(['linux']);
    expect(await readdir(join(bin, 'linux'))).toEqual(['x64']);
    expect((await readdir(join(bin, 'linux/x64'))).sort()).toEqual(expect.arrayContaining(['libonnxruntime.so.1', 'onnxruntime_binding.node']));
    const { stdout } = await run('du', ['-sm', join(dir, 'node_modules')]);
    expect(Number(stdout.split(/\s/)[0])).toBeLessThan(80);
    if (process.platform === 'linux' && process.arch === 'x64') {
      // The pruned copy is what the container's require('onnxruntime-node') finds: it must load and run.
      const script = `require('onnxruntime-node').InferenceSession.create(process.argv[1]).then((s) => console.log(s.inputNames.join(',')))`;
      const models = process.env.PEOPLE_PATHING_MODELS_DIR;
      if (models) {
        const out = await run(process.execPath, ['-e', script, join(models, 'light_person_detector_192x192.onnx')], { cwd: dir });
        expect(out.stdout.trim()).toBe('images');
      } else {
        await run(process.execPath, ['-e', "require('onnxruntime-node')"], { cwd: dir });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the GPU image requires a GPU: no silent CPU run when the device is missing', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  expect(runtime).toMatch(/^\s+PEOPLE_PATHING_REQUIRE_GPU=1 \\$/m);
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
