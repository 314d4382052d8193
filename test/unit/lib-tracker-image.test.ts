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
import { App, Stack } from 'aws-cdk-lib';
import { TRACKER_BUILD_CONTEXT_ALLOW, TrackerImage, modelsMirrorUrl } from '../../lib/tracker-image.js';
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
  // The only sha256 values are the base images' digests (FROM pins), never a model's.
  expect(dockerfile.replace(/@sha256:[0-9a-f]{64}/g, '')).not.toMatch(/[0-9a-f]{64}/);
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
  expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${lambdaMajor}(\\.\\d+)*-bookworm@sha256:[0-9a-f]{64}$`, 'm'));
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
  // Besides itself, only undici (fetch through the environment's proxy), which the model stage copies in.
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/undici/'));
  expect(sources.length).toBeGreaterThan(1);
  for (const source of sources) expect({ source, inModels: source.startsWith('containers/tracker/src/models/') }).toEqual({ source, inModels: true });
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^COPY --from=build \/src\/node_modules\/undici \.\/node_modules\/undici$/m);
  expect(dockerfile).toMatch(/^COPY containers\/tracker\/src\/models \.\/models$/m);
});

test('every base image is pinned by digest, so a rebuild gets the same bytes (tags move, Docker Hub rate-limits)', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const args = new Map([...dockerfile.matchAll(/^ARG (\w+)=(\S*)$/gm)].map((m) => [m[1], m[2]]));
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(froms.length).toBeGreaterThanOrEqual(3);
  for (const from of froms) {
    const image = from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? '');
    expect({ from, image }).toEqual({ from, image: expect.stringMatching(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/) });
  }
});

test('-c modelsMirror reaches the model stage as a build arg: https as given, s3:// over its HTTPS endpoint', async () => {
  const dockerfile = await readFile(join(REPO_ROOT, 'containers/tracker/Dockerfile'), 'utf8');
  const modelStage = dockerfile.slice(dockerfile.indexOf('AS model'), dockerfile.indexOf('---- runtime'));
  expect(modelStage).toMatch(/^ARG MODELS_MIRROR$/m);
  expect(modelStage).toContain('PEOPLE_PATHING_MODELS_URL="${MODELS_MIRROR}" node fetch.mjs fetch');
  expect(modelsMirrorUrl('https://models.example.com/people-pathing/')).toBe('https://models.example.com/people-pathing');
  expect(modelsMirrorUrl('s3://corp-models/people-pathing')).toBe('https://corp-models.s3.amazonaws.com/people-pathing');
  expect(() => modelsMirrorUrl('http://insecure.example.com')).toThrow(/s3:\/\/bucket\/prefix or an https:\/\/ URL/);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ImageTest');
  const image = new TrackerImage(stack, 'Image', { modelsMirror: 's3://corp-models/people-pathing' });
  const assembly = app.synth();
  const manifest = assembly.artifacts.find((a) => a.manifest.type === 'cdk:asset-manifest') as { file: string } | undefined;
  const images = JSON.parse(await readFile(manifest?.file as string, 'utf8')).dockerImages as Record<string, { source: { dockerBuildArgs?: Record<string, string> } }>;
  expect(Object.values(images).map((i) => i.source.dockerBuildArgs)).toEqual([{ MODELS_MIRROR: 'https://corp-models.s3.amazonaws.com/people-pathing' }]);
  expect(image.asset.imageUri).toBeDefined();
});
