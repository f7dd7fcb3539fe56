import { runCli } from './cli.js';

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
