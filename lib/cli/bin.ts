#!/usr/bin/env node
// lib/cli/bin.ts
// The `express-grafx-auth` executable (package.json "bin"): runs main() and exits with its code.
import { main } from './main.js';
import { Output } from './output.js';

main(process.argv.slice(2), new Output(process.stdout, process.stderr)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`express-grafx-auth: ${error instanceof Error ? error.name : 'failure'}\n`);
    process.exitCode = 1;
  },
);
