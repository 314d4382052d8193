/**
 * The prologue every `people-pathing` command shares: parse argv against its options (plus -h/--help), answer --help
 * with the usage (exit 0), and a bad option or value with `people-pathing <command>: <why>`, the usage and exit 2.
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

/** A bad argument found after parsing: the command answers with its message, the usage and exit code 2. */
export class UsageError extends Error {}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly io: CommandIo;
  /**
   * Parses `argv`. Returns the values and positionals, or the exit code when the command is already answered
   * (0 after --help, 2 after a usage error).
   */
  parse<const O extends Options, const S extends ParseSettings = object>(argv: string[], options: O, settings?: S): Parsed<O, S> | number;
  /** Prints `people-pathing <name>: <message>` and the usage; returns 2. */
  usageError(message?: string): number;
  /** Runs the command's body; a UsageError it throws becomes usageError(message). */
  run(body: () => Promise<number>): Promise<number>;
}

export function command(name: string, usage: string, io: CommandIo = stdio): Command {
  const usageError = (message?: string): number => {
    io.err(message ? `people-pathing ${name}: ${message}\n${usage}` : usage);
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
        throw err;
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
