/**
 * `npx cdk synth` as CI and users run it: the real CLI, offline, no AWS account, no Docker. Lambdas are
 * bundled by the local esbuild; the tracker image is only fingerprinted. bin/app.ts applies cdk-nag's
 * AwsSolutions checks, so a finding without an acknowledgement fails this synth.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'pp-cdk-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  test('synthesises the GPU stack offline, with bundled Lambdas and the image as an asset', async () => {
    // Offline: no version check, no telemetry, no instance metadata lookups.
    const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' };
    await run('npx', ['cdk', 'synth', '-q', '--no-notices', '-c', 'inputBuckets=example-bucket', '-o', out], { env, timeout: 110_000 });
    const template = JSON.parse(await readFile(join(out, 'PeoplePathing.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::ApiGateway::RestApi', 'AWS::Batch::ComputeEnvironment', 'AWS::StepFunctions::StateMachine']));
    const assets = JSON.parse(await readFile(join(out, 'PeoplePathing.assets.json'), 'utf8'));
    const images = Object.values(assets.dockerImages as Record<string, { source: { dockerFile?: string } }>);
    expect(images.map((i) => i.source.dockerFile)).toEqual(['containers/tracker/Dockerfile']);
    // Four Lambda bundles (API + three workflow steps), each an ESM handler file.
    expect(Object.keys(assets.files).filter((k) => k !== 'PeoplePathing.template.json' && !k.endsWith('.json')).length).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
