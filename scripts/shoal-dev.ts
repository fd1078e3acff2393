// Runs the CLI straight from the TypeScript sources (development and tests; no build needed).
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
