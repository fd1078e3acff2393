// Runs the shoal CLI from source (for tests that spawn `shoal tracker` as a real process).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
