/**
 * Where a model file comes from when the caller named none (no --model, --models-dir or environment variable): the
 * user cache ($XDG_CACHE_HOME/people-pathing/models, default ~/.cache/people-pathing/models), filled on first use
 * from the catalogue's URLs, or from PEOPLE_PATHING_MODELS_URL (a mirror URL base or folder) when set. A cached file
 * is used only if its sha256 is the catalogue's (checked once per process).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { catalogueModel, type CatalogueModel } from './catalogue.js';
import { fetchModel, type FetchOptions } from './fetch.js';

/** The command a user without internet (or behind a failing mirror) runs; named in every "unavailable" message. */
export const OFFLINE_HINT = 'people-pathing models fetch --from DIR';

/** A model that is neither cached nor fetchable. The message is one line and names OFFLINE_HINT. */
export class ModelUnavailableError extends Error {
  constructor(
    readonly model: string,
    reason: string,
  ) {
    super(
      `the model ${model} is not in the model cache and could not be fetched (${reason}); ` +
        `fetch it with \`people-pathing models fetch\`, or on a machine without internet \`${OFFLINE_HINT}\` ` +
        '(a folder or mirror holding the model files)',
    );
    this.name = 'ModelUnavailableError';
  }
}

/** The user cache of models, from the caller's environment (XDG_CACHE_HOME, HOME). */
export function userModelsCache(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ? resolve(env.HOME) : homedir(), '.cache');
  return join(base, 'people-pathing', 'models');
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const verified = new Map<string, string>();

/** Whether `path` holds exactly the catalogue's bytes of `model` (memoised on size and mtime). */
export async function isVerifiedCopy(model: CatalogueModel, path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile() || s.size !== model.bytes) return false;
  const key = `${s.size}:${s.mtimeMs}:${model.sha256}`;
  if (verified.get(path) === key) return true;
  const ok = (await sha256File(path)) === model.sha256;
  if (ok) verified.set(path, key);
  else verified.delete(path);
  return ok;
}

export interface ObtainOptions extends Omit<FetchOptions, 'log'> {
  /** The caller's environment (PEOPLE_PATHING_MODELS_URL, XDG_CACHE_HOME, HOME); this module never reads process.env. */
  env: NodeJS.ProcessEnv;
  /** Progress lines; default: stderr. */
  log?: (line: string) => void;
}

/**
 * The path of a verified copy of catalogue model `name` in the user cache, fetching it first when missing or
 * damaged. Throws ModelUnavailableError when that fails.
 */
export async function obtainModel(name: string, opts: ObtainOptions): Promise<string> {
  const env = opts.env;
  const model = catalogueModel(name);
  const dir = userModelsCache(env);
  const path = join(dir, model.file);
  if (await isVerifiedCopy(model, path)) return path;
  const from = opts.from ?? (env.PEOPLE_PATHING_MODELS_URL || undefined);
  try {
    return await fetchModel(model, dir, {
      ...opts,
      ...(from ? { from } : {}),
      log: opts.log ?? ((line) => process.stderr.write(`${line}\n`)),
    });
  } catch (err) {
    const text = String((err as { message?: unknown }).message ?? err);
    throw new ModelUnavailableError(model.file, text.replace(/^cannot fetch \S+: /, ''));
  }
}
