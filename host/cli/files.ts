// Reading the files named on the command line, with messages that name them.
import { readFileSync } from 'node:fs';
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
export function writeOutput(path: string, bytes: Uint8Array): void {
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new CliError(`cannot write '${path}': ${why}`);
  }
}
