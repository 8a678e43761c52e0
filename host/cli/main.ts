// The `mote` command line: convert, run, inspect, demo. Errors print as one clear message and a
// non-zero exit code; the stack trace only with MOTE_DEBUG=1.
import { isMainThread } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { converterIdentity } from '../../converter/emit/metadata.js';
import { registerBench } from './bench.js';
import { registerCompress } from './compress.js';
import { registerConvert } from './convert.js';
import { registerDemo } from './demo.js';
import { registerEnergyCommand } from './energy.js';
import { registerEval } from './eval.js';
import { registerExport } from './export.js';
import { CliError } from './errors.js';
import { registerInspect } from './inspect.js';
import { registerProfile } from './profile.js';
import { registerRun } from './run.js';
import { registerRuntime } from './runtime.js';

function reportError(e: unknown): number {
  const err = e instanceof Error ? e : new Error(String(e));
  if (process.env.MOTE_DEBUG === '1' && err.stack) process.stderr.write(err.stack + '\n');
  // Mote's errors (ConvertError, BlobError, NpyError, CliError, MoteError, ...) carry a complete
  // message. JavaScript's own error kinds mean a bug, so say what kind it was.
  const bug = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AssertionError'].includes(err.name);
  const prefix = bug ? `${err.name}: ` : '';
  // Host-library messages already start with "mote: ".
  const message = err.message.replace(/^mote: /, '');
  process.stderr.write(`mote: ${prefix}${message}\n`);
  if (bug && process.env.MOTE_DEBUG !== '1') process.stderr.write('mote: (set MOTE_DEBUG=1 for the stack trace)\n');
  return e instanceof CliError ? e.exitCode : 1;
}

export async function main(argv: string[]): Promise<number> {
  // `mote inspect x.mote | head`: a closed pipe ends the output, not with a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command();
  program
    .name('mote')
    .description('Mote: ONNX → int8 .mote blobs for a tiny WebAssembly interpreter')
    .version(converterIdentity().version)
    .showHelpAfterError()
    .exitOverride();
  registerConvert(program);
  registerRun(program);
  registerInspect(program);
  registerDemo(program);
  registerEnergyCommand(program);
  registerExport(program);
  registerEval(program);
  registerCompress(program);
  registerProfile(program);
  registerBench(program);
  registerRuntime(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed its message
    return reportError(e);
  }
}

// `mote compress` starts worker threads on this same bundle: they only serve evaluation jobs.
if (isMainThread) {
  const code = await main(process.argv);
  process.exitCode = code;
}
