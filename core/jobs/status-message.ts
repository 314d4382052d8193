/**
 * The one rule for what a caller may read in a FAILED job's StatusMessage: whatever produced the text (an engine
 * error, a Node.js fs error such as "ENOTDIR: not a directory, mkdir '/srv/data/results/…'", a container report), file
 * system paths of the server never reach the caller, and the text stays within Rekognition's length. Applied where
 * every outcome is written (lifecycle.ts completeJob), so no path through the code can skip it.
 */

export const MAX_STATUS_MESSAGE_LENGTH = 1000;
export const DEFAULT_FAILURE_MESSAGE = 'Video processing failed';
export const PATH_PLACEHOLDER = '<internal path>';

// An absolute POSIX path (optionally as a file: URL) or a Windows drive path, starting a word: "/a/b", "'/a b'"
// is cut at the space; "1/60" and "MKV/WebM" are not paths (a letter or digit comes before the slash).
const PATH = /(?<![\w.~-])(?:file:)?(?:\/|[A-Za-z]:\\)[^\s'"`,;()<>[\]{}]*/g;

export function userFacingStatusMessage(text: string | undefined): string {
  const clean = (text ?? '').replace(PATH, PATH_PLACEHOLDER).replace(/\s+/g, ' ').trim();
  if (!clean) return DEFAULT_FAILURE_MESSAGE;
  return clean.length > MAX_STATUS_MESSAGE_LENGTH ? `${clean.slice(0, MAX_STATUS_MESSAGE_LENGTH - 1)}…` : clean;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'Video processing failed: the server ran out of disk space. Try again later.',
  EDQUOT: 'Video processing failed: the server ran out of disk space. Try again later.',
  EROFS: 'Video processing failed: the server could not write its results.',
  EACCES: 'Video processing failed: the server could not write its results.',
  EIO: 'Video processing failed: a disk error on the server.',
  EMFILE: 'Video processing failed: the server is out of file handles. Try again later.',
};

/** The StatusMessage of a job that failed with `error`: a system error (full disk, ...) in words, else its message. */
export function failureMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && SYSTEM_ERRORS[code]) return SYSTEM_ERRORS[code];
  const message = (error as { message?: unknown } | undefined)?.message; // any realm's Error (no instanceof)
  return userFacingStatusMessage(typeof message === 'string' ? message : undefined);
}
