// Reading the files named on the command line, with messages that name them.
import { readFileSync } from 'node:fs';
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
