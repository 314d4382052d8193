/**
 * The prologue every `people-pathing` command shares: parse argv against its options (plus -h/--help), answer --help
 * with the usage (exit 0), and a bad option or value with one line, `people-pathing <command>: <why>`, and exit 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

type Options = NonNullable<ParseArgsConfig['options']>;
type HelpOption = { help: { type: 'boolean'; short: 'h' } };
interface ParseSettings {
  /** Whether the command takes positional arguments (default false). */
  positionals?: boolean;
  /** Whether `--no-X` turns a boolean option off (default false). */
  negatives?: boolean;
}
type Parsed<O extends Options, S extends ParseSettings> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & HelpOption;
    strict: true;
    allowPositionals: S['positionals'] extends true ? true : false;
    allowNegative: S['negatives'] extends true ? true : false;
  }>
>;

/** A bad argument found after parsing: the command answers with its message on one line and exit code 2. */
export class UsageError extends Error {}

/** A failure the user can fix (a missing input, say): the command answers with its message on one line, exit 1. */
export class CommandError extends Error {}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/**
 * Throws CommandError when `path` is not a readable file (or folder, with `folder`), naming `what` it is and `hint`,
 * what to do: `people-pathing render: no results file at r.json (no such file or folder): make one with …`.
 */
export async function requireReadable(path: string, what: string, hint: string, kind: 'file' | 'file or folder' = 'file'): Promise<void> {
  const { access, stat } = await import('node:fs/promises');
  try {
    const st = await stat(path);
    if (kind === 'file' && st.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
    await access(path, (await import('node:fs')).constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new CommandError(`no ${what} at ${path} (${FILE_ERRORS[code] ?? code}): ${hint}`);
  }
}

/** One line for a file-system error that escaped a command (`cannot read X: no such file or folder`), else undefined. */
export function fileErrorLine(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || !FILE_ERRORS[e.code] || !e.path) return undefined;
  return `cannot use ${e.path}: ${FILE_ERRORS[e.code]}; check the path`;
}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly io: CommandIo;
  /**
   * Parses `argv`. Returns the values and positionals, or the exit code when the command is already answered
   * (0 after --help, 2 after a usage error).
   */
  parse<const O extends Options, const S extends ParseSettings = object>(argv: string[], options: O, settings?: S): Parsed<O, S> | number;
  /** Prints `people-pathing <name>: <message>` on one line (or, with no message, the usage); returns 2. */
  usageError(message?: string): number;
  /**
   * Runs the command's body; a UsageError it throws becomes usageError(message), a CommandError or a file-system error
   * with a path one line on stderr and exit 1.
   */
  run(body: () => Promise<number>): Promise<number>;
}

export function command(name: string, usage: string, io: CommandIo = stdio): Command {
  // With a reason: one line that names it and where the options are listed. Without one (no arguments at all, say):
  // the usage itself.
  const usageError = (message?: string): number => {
    io.err(message ? `people-pathing ${name}: ${message} (\`people-pathing ${name} --help\` lists the options)\n` : usage);
    return 2;
  };
  return {
    name,
    usage,
    io,
    parse(argv, options, settings) {
      let parsed;
      try {
        parsed = parseArgs({
          args: argv,
          options: { ...options, help: { type: 'boolean', short: 'h' } },
          strict: true,
          allowPositionals: settings?.positionals === true,
          allowNegative: settings?.negatives === true,
        });
      } catch (err) {
        return usageError((err as Error).message);
      }
      if ((parsed.values as { help?: boolean }).help) {
        io.out(usage);
        return 0;
      }
      return parsed as never;
    },
    usageError,
    async run(body) {
      try {
        return await body();
      } catch (err) {
        if (err instanceof UsageError) return usageError(err.message);
        const line = err instanceof CommandError ? err.message : fileErrorLine(err);
        if (line === undefined) throw err;
        io.err(`people-pathing ${name}: ${line}\n`);
        return 1;
      }
    },
  };
}

/** A whole number ≥ `min` (default 0), or `fallback` when the option was not given. Throws UsageError otherwise. */
export function wholeNumber(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number, ${min} or more`);
  return n;
}
