#!/usr/bin/env node
/**
 * people-pathing CLI: each subcommand lives in its own module exporting `run(argv): Promise<number>`.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  serve: { summary: 'serve the Rekognition-compatible API on 127.0.0.1 (local mode)', load: () => import('./serve.js') },
  track: { summary: 'track the persons in one video file or MOTChallenge sequence', load: () => import('./track.js') },
  render: { summary: 'draw tracked paths onto a video or one picture', load: () => import('./render.js') },
  keys: { summary: 'create, list or revoke the access keys callers sign requests with', load: () => import('./keys.js') },
  models: { summary: 'fetch the tracking models into the cache (--from a mirror or folder), or list them', load: () => import('./models.js') },
  analyse: { summary: 'count line crossings, zone visits, dwell and occupancy in tracked results; draw a heatmap', load: () => import('./analyse.js') },
  get: { summary: 'page through GetPersonTracking of a job and write the merged result', load: () => import('./get.js') },
};

function usage(): string {
  return ['usage: people-pathing <command> [options]', '', ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`people-pathing: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`people-pathing: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
