// File-system backend: each torrent file at its path under the download folder, written with
// positional writev straight from the piece's block buffers (no concatenation) and read with
// positional reads into one piece-sized buffer. Files are created on their first write, sized
// sparsely with ftruncate (no zeros written), through a bounded LRU of open handles. Skipped files
// are never created; their share of straddling pieces goes to the part file (part-file.ts).
import { type FileHandle, chmod, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BaseStorage, type BaseStorageOptions } from './base-storage.js';
import { StorageError, ioError } from './errors.js';
import { HandleCache } from './handle-cache.js';
import type { PieceMap, StorageLayout } from './layout.js';
import { PartFile, readFull, statOrNull, writevAll } from './part-file.js';
import { resolveInside } from './paths.js';
import { PART_TARGET } from './plan.js';
import type { FileStat } from './types.js';

export interface FileStorageOptions extends BaseStorageOptions {
  /** Download folder; every file lies strictly inside it. */
  readonly root: string;
  /** Open file handles kept (default 64). */
  readonly maxOpenFiles?: number;
  /** Name of the hidden part file in `root` (default ".shoal.parts"); one path component. */
  readonly partFileName?: string;
  /** Recoverable problems found while opening (an unusable part file that was discarded). */
  readonly onWarning?: (warning: StorageError) => void;
}

export class FileStorage extends BaseStorage {
  readonly root: string;
  private readonly paths: (string | undefined)[];
  private readonly handles: HandleCache;
  private readonly part: PartFile;
  private readonly dirty = new Set<number>();
  private emptyFilesMade = false;

  /** Opens (without creating anything) storage for `layout` under `opts.root`. */
  static async open(layout: StorageLayout | PieceMap, opts: FileStorageOptions): Promise<FileStorage> {
    const s = new FileStorage(layout, opts);
    const warning = await s.part.load();
    if (warning) opts.onWarning?.(warning);
    return s;
  }

  private constructor(layout: StorageLayout | PieceMap, opts: FileStorageOptions) {
    super(layout, opts);
    this.root = opts.root;
    // Resolving every path up front makes a hostile path fail at open, before any byte is written.
    this.paths = this.layout.files.map((f) => (f.pad ? undefined : resolveInside(this.root, f.path)));
    const partPath = resolveInside(this.root, [opts.partFileName ?? '.shoal.parts']);
    if (this.paths.includes(partPath)) {
      throw new StorageError('STORAGE_BAD_LAYOUT', `storage: a torrent file would overwrite the part file ${partPath}`);
    }
    this.handles = new HandleCache(opts.maxOpenFiles ?? 64);
    const { pieceLength, pieceCount } = this.layout;
    this.part = new PartFile(partPath, pieceLength, pieceCount, this.layout.multiFilePieces().length, this.handles);
  }

  /** Absolute path of a file (padding files have none). */
  filePath(fileIndex: number): string | undefined {
    this.layout.file(fileIndex);
    return this.paths[fileIndex];
  }

  get partFilePath(): string {
    return this.part.path;
  }

  /** Pieces with bytes in the part file. */
  get partPieces(): number[] {
    return this.part.pieces;
  }

  /** Handles cached now and opened so far (observability and tests). */
  get handleStats(): { cached: number; opened: number } {
    return { cached: this.handles.size, opened: this.handles.openCount };
  }

  private path(fileIndex: number): string {
    const p = this.paths[fileIndex];
    if (p === undefined) throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: file ${fileIndex} is padding and has no bytes on disk`);
    return p;
  }

  protected async ioWrite(target: number, position: number, buffers: readonly Uint8Array[], piece: number): Promise<void> {
    if (target === PART_TARGET) return this.part.write(position, buffers, piece);
    const path = this.path(target);
    const length = this.layout.file(target).length;
    const lease = await this.handles.acquire(path, true, (h) => sizeSparse(h, length));
    try {
      this.dirty.add(target);
      await writevAll(lease.handle, buffers, position, path);
    } finally {
      lease.release();
    }
  }

  protected async ioRead(target: number, position: number, dest: Uint8Array): Promise<void> {
    if (target === PART_TARGET) return this.part.read(position, dest);
    const path = this.path(target);
    const lease = await this.handles.acquire(path, false);
    try {
      await readFull(lease.handle, dest, position, path);
    } finally {
      lease.release();
    }
  }

  protected partHas(piece: number): boolean {
    return this.part.has(piece);
  }

  protected partRelease(piece: number): Promise<void> {
    return this.part.release(piece);
  }

  protected fileStat(fileIndex: number): Promise<FileStat | null> {
    return statOrNull(this.path(fileIndex));
  }

  protected partStat(): Promise<FileStat | null> {
    return this.part.stat();
  }

  protected async ioSync(): Promise<void> {
    const files = [...this.dirty];
    this.dirty.clear();
    try {
      // fsync, not fdatasync: the resume file trusts mtimes, which are metadata.
      await Promise.all(files.map((f) => this.fsync(f)));
      await this.part.sync();
    } catch (e) {
      for (const f of files) this.dirty.add(f);
      throw e;
    }
    if (!this.emptyFilesMade) {
      await Promise.all(this.layout.files.map((f, i) => (f.length === 0 && !f.pad && this.wanted[i] ? this.makeEmpty(i) : undefined)));
      this.emptyFilesMade = true;
    }
  }

  protected async ioFinishFile(fileIndex: number): Promise<void> {
    const f = this.layout.file(fileIndex);
    if (f.pad || !this.wanted[fileIndex]) return;
    if (f.length === 0) await this.makeEmpty(fileIndex);
    else {
      await this.fsync(fileIndex);
      this.dirty.delete(fileIndex);
    }
    if (f.attr?.includes('x')) {
      const path = this.path(fileIndex);
      try {
        const mode = (await stat(path)).mode & 0o7777;
        // Execute permission wherever read permission is granted (what `chmod +x` does under umask 022).
        await chmod(path, mode | ((mode & 0o444) >> 2));
      } catch (e) {
        throw ioError('chmod', path, e);
      }
    }
  }

  protected ioClose(): Promise<void> {
    return this.handles.closeAll();
  }

  private async fsync(fileIndex: number): Promise<void> {
    const path = this.path(fileIndex);
    const length = this.layout.file(fileIndex).length;
    const lease = await this.handles.acquire(path, true, (h) => sizeSparse(h, length));
    try {
      await lease.handle.sync();
    } catch (e) {
      throw ioError('fsync', path, e);
    } finally {
      lease.release();
    }
  }

  private async makeEmpty(fileIndex: number): Promise<void> {
    const f = this.layout.file(fileIndex);
    if (f.attr?.includes('l')) return; // BEP 47 symlinks are not created as regular files
    const path = this.path(fileIndex);
    try {
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'a')).close();
    } catch (e) {
      throw ioError('create', path, e);
    }
  }
}

/** Grows a new or short file to its full length without writing (a sparse file); never shrinks. */
async function sizeSparse(h: FileHandle, length: number): Promise<void> {
  if ((await h.stat()).size < length) await h.truncate(length);
}
