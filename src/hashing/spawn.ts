// Where a hash-pool worker's code is and which Node flags it starts with, from dist/ or from source.
export function workerEntry(): URL {
  // From dist/ the worker is a plain .js file next to this one. From source (tests and benches
  // under tsx) it is worker.ts, and Node 20 does not apply the parent's loader hooks to a worker's
  // entry, so a tiny data: module registers tsx in the worker before importing it.
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const target = new URL('./worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(target)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * The parent's Node flags that a worker needs and accepts: module loading (tsx's --import, a
 * --require or --loader, conditions) and warnings. Everything else is left out: process-wide V8
 * and runtime flags (--max-semi-space-size, --expose-gc, --input-type ...) make `new Worker` fail,
 * and a pool whose workers cannot start would retry for ever.
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const name = a.split('=')[0] as string;
    if (withValue.has(name)) {
      out.push(a);
      if (!a.includes('=') && i + 1 < args.length) out.push(args[++i] as string);
    } else if (name === '--no-warnings' || name === '--enable-source-maps' || name.startsWith('--experimental-')) {
      out.push(a);
    }
  }
  return out;
}
