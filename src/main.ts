import { runCli } from './cli.js';

// A reader that stops early (`pimwatch generate-fixture ... | head`) closes the pipe; what is left to print
// is not wanted, so stop quietly instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// The process entry point: `pimwatch ...` (bin/pimwatch.js) and `npm run pimwatch -- ...` land here.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pimwatch: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
