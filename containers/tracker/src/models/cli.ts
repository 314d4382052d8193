/**
 * `people-pathing models fetch [NAME...] [--from URL|DIR] [--dir DIR] [--all]` and `people-pathing models list`.
 * The container image build runs the same fetch (main.ts) into the image's models folder.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, LOCAL_DEFAULT_MODELS, DEFAULT_MODEL_NAMES, findModel, type CatalogueModel } from './catalogue.js';
import { fetchModel } from './fetch.js';
import { isVerifiedCopy, userModelsCache } from './resolve.js';

export const MODELS_USAGE = `usage: people-pathing models fetch [NAME...] [--from URL|DIR] [--dir DIR] [--all]
       people-pathing models list [--dir DIR]

  fetch     download models into the user cache, each checked against the catalogue's sha256
            (default: the models serve and track use: ${LOCAL_DEFAULT_MODELS.join(', ')})
  list      every model in the catalogue: what it is for, size, licence, and whether a verified copy is cached
  --from    a mirror instead of the public URLs: an http(s) URL base (<base>/<file>) or a folder holding
            the model files (for a machine without internet); the same checksums apply
  --dir     the folder to fill or list (default $XDG_CACHE_HOME/people-pathing/models, else
            ~/.cache/people-pathing/models)
  --all     fetch every model in the catalogue
`;

export interface ModelsIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}


function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function isDefault(model: CatalogueModel): string {
  return (Object.values(DEFAULT_MODEL_NAMES) as string[]).includes(model.name) ? '*' : ' ';
}

async function list(dir: string, io: ModelsIo): Promise<number> {
  io.stdout(`models in ${dir} (* = a default: serve and track, or the GPU image's detector)\n`);
  const files = await readdir(dir).catch(() => [] as string[]);
  const rows = await Promise.all(
    CATALOGUE.map(async (m) => {
      const present = files.includes(m.file);
      const state = !present ? 'not cached' : (await isVerifiedCopy(m, join(dir, m.file))) ? 'cached' : 'DAMAGED (fetch again)';
      return [`${isDefault(m)} ${m.name}`, m.role, mb(m.bytes), m.licence, state, m.purpose];
    }),
  );
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) io.stdout(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
  return 0;
}

async function fetchMany(names: string[], all: boolean, dir: string, from: string | undefined, io: ModelsIo): Promise<number> {
  const wanted = all ? CATALOGUE.map((m) => m.name) : names.length > 0 ? names : [...LOCAL_DEFAULT_MODELS];
  const models: CatalogueModel[] = [];
  for (const name of wanted) {
    const model = findModel(name);
    if (!model) {
      io.stderr(`people-pathing models: unknown model '${name}' (known: ${CATALOGUE.map((m) => m.name).join(', ')})\n`);
      return 2;
    }
    models.push(model);
  }
  let failed = 0;
  for (const model of models) {
    if (await isVerifiedCopy(model, join(dir, model.file))) {
      io.stderr(`models: ${model.file} already cached (sha256 verified)\n`);
      continue;
    }
    try {
      await fetchModel(model, dir, { ...(from ? { from } : {}), log: (line) => io.stderr(`${line}\n`) });
    } catch (err) {
      failed++;
      io.stderr(`people-pathing models: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (failed === 0) io.stderr(`models: ${models.length} model(s) ready in ${dir}\n`);
  return failed === 0 ? 0 : 1;
}

/** The command; its entry points (models/main.ts, cli/models.ts) pass the process's streams and environment. */
export async function runModels(argv: string[], io: ModelsIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        dir: { type: 'string' },
        all: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr(`people-pathing models: ${(err as Error).message}\n${MODELS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, ...names] = positionals;
  if (values.help) {
    io.stdout(MODELS_USAGE);
    return 0;
  }
  const dir = values.dir ?? userModelsCache(io.env);
  if (action === 'list' && names.length === 0) return list(dir, io);
  if (action === 'fetch') return fetchMany(names, values.all, dir, values.from ?? (io.env.PEOPLE_PATHING_MODELS_URL || undefined), io);
  io.stderr(MODELS_USAGE);
  return 2;
}
