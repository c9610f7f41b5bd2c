#!/usr/bin/env node
import { processIo } from './io.js';
import { runCli } from './run.js';

await runCli(process.argv.slice(2), processIo());
