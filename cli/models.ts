/**
 * people-pathing models fetch [NAME...] [--from URL|DIR] [--dir DIR] [--all] | models list
 *
 * The engine's model catalogue and cache (containers/tracker/src/models/): one implementation for the CLI and the
 * container image build.
 */
import { runModels } from '../containers/tracker/src/models/cli.js';

export function run(argv: string[]): Promise<number> {
  return runModels(argv);
}
