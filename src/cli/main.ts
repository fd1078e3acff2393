// `shoal` command dispatcher: picks the subcommand, turns errors into one line on stderr.
import { isShoalError, UsageError } from '../errors.js';
import type { CliIO, Command } from './command.js';

type Loader = () => Promise<{ command: Command }>;

const commands: Record<string, Loader> = {
  create: () => import('./commands/create.js'),
  info: () => import('./commands/info.js'),
  download: () => import('./commands/download.js'),
  seed: () => import('./commands/seed.js'),
  tracker: () => import('./commands/tracker.js'),
  dht: () => import('./commands/dht.js'),
};

const VERSION = '0.1.0';

async function help(io: CliIO): Promise<void> {
  const lines = ['usage: shoal <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  lines.push('', 'Run `shoal <command> --help` for the options of a command.');
  io.stdout.write(lines.join('\n') + '\n');
}

export function defaultIO(): CliIO {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: ac.signal };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      await help(io);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      io.stdout.write(`shoal ${VERSION}\n`);
      return 0;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) throw new UsageError(`unknown command '${name}' (see shoal --help)`);
    const { command } = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.usage.trimEnd() + '\n');
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (isShoalError(e)) {
      io.stderr.write(`shoal: ${e.message} [${e.code}]\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`shoal: ${e.message} [USAGE]\n`);
      return 2;
    }
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('E')) {
      // System errors (ENOENT, EACCES, ...) carry their own clear message.
      io.stderr.write(`shoal: ${e.message} [${e.code}]\n`);
      return 1;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`shoal: internal error: ${msg}\n`);
    if (io.env.SHOAL_DEBUG && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
    return 70;
  }
}
