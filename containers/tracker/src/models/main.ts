/**
 * `node main.js fetch --dir /models NAME...`: the container image build fetches its models with this (bundled by
 * esbuild in the Dockerfile's model stage), through the same catalogue, downloader and checksums as the CLI.
 */
import { runModels } from './cli.js';

runModels(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
