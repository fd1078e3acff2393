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

/** The parent's Node flags minus those a worker rejects (`node --input-type=module -e ...`). */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--input-type') i++;
    else if (!a.startsWith('--input-type=')) out.push(a);
  }
  return out;
}
