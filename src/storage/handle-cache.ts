// A bounded LRU cache of open file handles. Torrents can hold thousands of files; the process has
// a limited number of descriptors, and reopening a file per block would cost two syscalls each.
// Handles in use are reference-counted and never closed under a running read or write: when every
// cached handle is busy the cache briefly holds more than its capacity.
import { constants, type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioError } from './errors.js';

export interface Lease {
  readonly handle: FileHandle;
  release(): void;
}

interface Entry {
  readonly path: string;
  readonly writable: boolean;
  readonly ready: Promise<FileHandle>;
  handle: FileHandle | undefined;
  refs: number;
  retired: boolean;
}

/** Called once on a handle opened for writing, before any use (e.g. to size a sparse file). */
export type InitHandle = (handle: FileHandle) => Promise<void>;

export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Set<Promise<void>>();
  private opened = 0;

  constructor(readonly capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`HandleCache: capacity must be a positive integer, got ${capacity}`);
  }

  /** Handles currently cached (open or opening). */
  get size(): number {
    return this.entries.size;
  }

  /** Total opens so far (a test hook for cache behaviour). */
  get openCount(): number {
    return this.opened;
  }

  /**
   * A handle on `path`, read-only or read-write. Read-write opens create the file and its folders
   * when missing; a cached read-only handle is replaced when write access is needed.
   */
  async acquire(path: string, writable: boolean, init?: InitHandle): Promise<Lease> {
    let e = this.entries.get(path);
    if (e && writable && !e.writable) {
      this.retire(e);
      e = undefined;
    }
    if (e) {
      this.entries.delete(path); // re-insert: Map order is the LRU order
      this.entries.set(path, e);
    } else {
      e = this.openEntry(path, writable, init);
      this.entries.set(path, e);
    }
    const entry = e;
    entry.refs++;
    let handle: FileHandle;
    try {
      handle = await entry.ready;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    this.evict();
    let released = false;
    return {
      handle,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.refs === 0 && entry.retired) this.closeEntry(entry);
        else this.evict();
      },
    };
  }

  /** Stops caching `path` (it is about to be deleted or renamed); the handle closes once unused. */
  discard(path: string): void {
    const e = this.entries.get(path);
    if (e) this.retire(e);
  }

  async closeAll(): Promise<void> {
    for (const e of [...this.entries.values()]) this.retire(e);
    while (this.closing.size > 0) await Promise.allSettled([...this.closing]);
  }

  private openEntry(path: string, writable: boolean, init: InitHandle | undefined): Entry {
    const entry: Entry = { path, writable, ready: undefined as unknown as Promise<FileHandle>, handle: undefined, refs: 0, retired: false };
    const ready = (async () => {
      let h: FileHandle;
      try {
        h = await this.openFile(path, writable);
      } catch (err) {
        throw ioError('open', path, err);
      }
      this.opened++;
      entry.handle = h;
      if (init) {
        try {
          await init(h);
        } catch (err) {
          throw ioError('prepare', path, err);
        }
      }
      return h;
    })();
    ready.catch(() => {
      if (this.entries.get(path) === entry) this.entries.delete(path);
      if (entry.handle) void entry.handle.close().catch(() => undefined);
    });
    (entry as { ready: Promise<FileHandle> }).ready = ready;
    return entry;
  }

  private async openFile(path: string, writable: boolean): Promise<FileHandle> {
    if (!writable) return open(path, constants.O_RDONLY);
    const flags = constants.O_RDWR | constants.O_CREAT;
    try {
      return await open(path, flags, 0o666);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      await mkdir(dirname(path), { recursive: true });
      return open(path, flags, 0o666);
    }
  }

  private retire(e: Entry): void {
    if (this.entries.get(e.path) === e) this.entries.delete(e.path);
    if (e.retired) return;
    e.retired = true;
    if (e.refs === 0) this.closeEntry(e);
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const e of this.entries.values()) {
      if (this.entries.size <= this.capacity) break;
      if (e.refs === 0 && e.handle !== undefined) this.retire(e);
    }
  }

  private closeEntry(e: Entry): void {
    const p = e.ready.then((h) => h.close(), () => undefined).catch(() => undefined);
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }
}
