// Safe placement of torrent files under the download folder. The metainfo layer already sanitises
// path components (BEP 3 / BEP 52 require rejecting '..'); this is defence in depth: any component
// that could climb out, or a joined path that ends up outside the root, is a typed error.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StorageError } from './errors.js';

const MAX_COMPONENTS = 256;

function escape(root: string, components: readonly string[], why: string): never {
  throw new StorageError(
    'STORAGE_PATH_ESCAPE',
    `storage: refusing path ${JSON.stringify(components)} under ${root}: ${why}`,
    { path: root },
  );
}

/** Joins path components under `root` and proves the result stays strictly inside it. */
export function resolveInside(root: string, components: readonly string[]): string {
  const base = resolve(root);
  if (components.length === 0) escape(base, components, 'empty path');
  if (components.length > MAX_COMPONENTS) escape(base, components, 'too many path components');
  for (const c of components) {
    if (typeof c !== 'string' || c === '' || c === '.' || c === '..') escape(base, components, `bad component ${JSON.stringify(c)}`);
    if (c.includes('/') || c.includes('\\') || c.includes('\0')) {
      escape(base, components, `component ${JSON.stringify(c)} contains a separator or NUL`);
    }
  }
  const full = join(base, ...components);
  const rel = relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) escape(base, components, 'resolves outside the root');
  return full;
}
