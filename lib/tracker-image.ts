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

export interface TrackerImageProps {
  /**
   * Where the image build fetches the models from instead of the catalogue's public URLs (config modelsMirror): an
   * https:// base URL, or s3://bucket/prefix, read over the bucket's HTTPS endpoint (the build has no AWS
   * credentials: the prefix must be readable by the build host, e.g. public, as the models themselves are).
   */
  readonly modelsMirror?: string;
}

/** The https base URL the build fetches from, for a configured mirror. */
export function modelsMirrorUrl(mirror: string): string {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(mirror);
  if (s3) return `https://${s3[1]}.s3.amazonaws.com${(s3[2] ?? '').replace(/\/+$/, '')}`;
  if (/^https:\/\/[^\s/]+(\/\S*)?$/.test(mirror)) return mirror.replace(/\/+$/, '');
  throw new Error(`modelsMirror must be s3://bucket/prefix or an https:// URL, got "${mirror}"`);
}

export class TrackerImage extends Construct {
  readonly asset: ecrAssets.DockerImageAsset;

  constructor(scope: Construct, id: string, props: TrackerImageProps = {}) {
    super(scope, id);
    this.asset = new ecrAssets.DockerImageAsset(this, 'Image', {
      ...(props.modelsMirror ? { buildArgs: { MODELS_MIRROR: modelsMirrorUrl(props.modelsMirror) } } : {}),
      directory: REPO_ROOT,
      file: 'containers/tracker/Dockerfile',
      platform: ecrAssets.Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      exclude: ['**', ...TRACKER_BUILD_CONTEXT_ALLOW.map((p) => `!${p}`), '**/*.test.ts'],
    });
  }
}
