// Reading the files named on the command line, with messages that name them.
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../converter/emit/index.js';
import { BlobError, readBlob, type BlobView } from '../blob-reader.js';
import { CliError } from './errors.js';

export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} '${path}' does not exist`);
    if (code === 'EISDIR') throw new CliError(`${what} '${path}' is a directory, not a file`);
    throw new CliError(`cannot read ${what} '${path}': ${(e as Error).message}`);
  }
}

/** Reads and validates a .mote file; a defect is reported with the file's name. */
export function readBlobFile(path: string): { bytes: Uint8Array; view: BlobView } {
  const bytes = readInput(path, 'blob');
  try {
    return { bytes, view: readBlob(bytes) };
  } catch (e) {
    if (e instanceof BlobError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Writes an output file atomically, with a message naming it when that fails. */
export function writeOutput(path: string, bytes: Uint8Array | string): void {
  // 'out/' names a directory: the temp file would go to out's parent and the rename fail.
  if (/[/\\]$/.test(path)) throw new CliError(`cannot write '${path}': it names a directory, not a file`);
  try {
    writeFileAtomic(path, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  } catch (e) {
    throw new CliError(`cannot write '${path}': ${whyNot(e)}`);
  }
}

/** Creates an output directory (and its parents), with a message naming it when that fails. */
export function makeOutputDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the output directory '${path}': ${whyNot(e)}`);
  }
}

function whyNot(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its directory does not exist';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of the path is a file, not a directory';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (e as Error).message;
}
