/**
 * people-pathing models fetch [NAME...] [--from URL|DIR] [--dir DIR] [--all] | models list
 *
 * The engine's model catalogue and cache (containers/tracker/src/models/): one implementation for the CLI and the
 * container image build.
 */
export async function run(argv: string[]): Promise<number> {
  // Through the engine's public API (the layers in eslint.config.js), loaded on demand like serve's engine.
  const { runModels } = await import('../containers/tracker/src/index.js');
  return runModels(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  });
}
