/**
 * The tracker container image (containers/tracker/Dockerfile) as a CDK asset. `cdk synth` only fingerprints
 * the build context; `cdk deploy` builds and pushes it (Docker needed then, not for synth or tests).
 */
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import { IgnoreMode } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { REPO_ROOT } from './functions.js';

/**
 * The build context is the repository root, reduced to what the image build reads: the manifests, the
 * shared core, the job store adapter and the tracker's sources (an allow-list: tests, data, node_modules
 * never ship).
 */
export const TRACKER_BUILD_CONTEXT_ALLOW = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'core/**',
  'adapters/**',
  'containers/tracker/**',
];

export class TrackerImage extends Construct {
  readonly asset: ecrAssets.DockerImageAsset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.asset = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: REPO_ROOT,
      file: 'containers/tracker/Dockerfile',
      platform: ecrAssets.Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      exclude: ['**', ...TRACKER_BUILD_CONTEXT_ALLOW.map((p) => `!${p}`), '**/*.test.ts'],
    });
  }
}
