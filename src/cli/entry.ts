/**
 * Runs `drs-orch` from source, without a build:
 * `node --import tsx src/cli/entry.ts drill --tags DR-Wave=1`. The published bin (`bin/drs-orch.js`)
 * does the same from `dist/`.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
