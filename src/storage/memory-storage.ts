// In-memory backend for tests and the simulator: same semantics as FileStorage (skipped files are
// never created, their share of straddling pieces is kept aside like the part file), no disk.
// A file's buffer is allocated at full length on its first write, like a sparse file.
import { BaseStorage, type BaseStorageOptions } from './base-storage.js';
import { StorageError } from './errors.js';
import type { PieceMap, StorageLayout } from './layout.js';
import { PART_TARGET } from './plan.js';
import type { FileStat } from './types.js';

export interface MemoryStorageOptions extends BaseStorageOptions {
  /** Clock for file mtimes (default: a counter that ticks on every write, so any write changes it). */
  readonly now?: () => number;
}

export class MemoryStorage extends BaseStorage {
  private readonly data: (Uint8Array | undefined)[];
  private readonly mtimes: number[];
  private readonly parts = new Map<number, Uint8Array>();
  private partMtime = 0;
  private tick = 0;
  private readonly now: () => number;

  constructor(layout: StorageLayout | PieceMap, opts: MemoryStorageOptions = {}) {
    super(layout, { readCacheBytes: 0, ...opts }); // memory reads are as cheap as a cache
    this.data = this.layout.files.map(() => undefined);
    this.mtimes = this.layout.files.map(() => 0);
    this.now = opts.now ?? (() => ++this.tick);
  }

  /** The stored bytes of a file, or undefined when it was never written (a test hook; no copy). */
  fileData(fileIndex: number): Uint8Array | undefined {
    this.layout.file(fileIndex);
    return this.data[fileIndex];
  }

  /** Pieces with bytes kept aside for skipped files. */
  get partPieces(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** Replaces a file's content, as if changed behind the engine's back (tests). */
  setFileData(fileIndex: number, bytes: Uint8Array | undefined): void {
    this.layout.file(fileIndex);
    this.data[fileIndex] = bytes;
    this.mtimes[fileIndex] = this.now();
  }

  protected async ioWrite(target: number, position: number, buffers: readonly Uint8Array[], piece: number): Promise<void> {
    let dest: Uint8Array;
    if (target === PART_TARGET) {
      let slot = this.parts.get(piece);
      if (!slot) {
        slot = new Uint8Array(this.layout.pieceSize(piece));
        this.parts.set(piece, slot);
      }
      dest = slot;
      position -= piece * this.layout.pieceLength;
      this.partMtime = this.now();
    } else {
      const f = this.layout.file(target);
      dest = this.data[target] ??= new Uint8Array(f.length);
      this.mtimes[target] = this.now();
    }
    for (const b of buffers) {
      dest.set(b, position);
      position += b.length;
    }
  }

  protected async ioRead(target: number, position: number, dest: Uint8Array): Promise<void> {
    let src: Uint8Array | undefined;
    if (target === PART_TARGET) {
      const piece = Math.floor(position / this.layout.pieceLength);
      src = this.parts.get(piece);
      position -= piece * this.layout.pieceLength;
    } else {
      src = this.data[target];
    }
    if (!src) throw new StorageError('STORAGE_FILE_MISSING', `storage: memory file ${target} does not exist`);
    if (position + dest.length > src.length) {
      throw new StorageError('STORAGE_SHORT_READ', `storage: memory file ${target} ends before byte ${position + dest.length}`);
    }
    dest.set(src.subarray(position, position + dest.length));
  }

  protected partHas(piece: number): boolean {
    return this.parts.has(piece);
  }

  protected async partRelease(piece: number): Promise<void> {
    this.parts.delete(piece);
    this.partMtime = this.now();
  }

  protected async fileStat(fileIndex: number): Promise<FileStat | null> {
    const d = this.data[fileIndex];
    return d ? { size: d.length, mtimeMs: this.mtimes[fileIndex] ?? 0 } : null;
  }

  protected async partStat(): Promise<FileStat | null> {
    return this.parts.size > 0 ? { size: this.parts.size * this.layout.pieceLength, mtimeMs: this.partMtime } : null;
  }

  protected async ioSync(): Promise<void> {
    this.layout.files.forEach((f, i) => {
      if (f.length === 0 && !f.pad && this.wanted[i] && !this.data[i]) this.data[i] = new Uint8Array(0);
    });
  }

  protected async ioFinishFile(fileIndex: number): Promise<void> {
    const f = this.layout.file(fileIndex);
    if (f.length === 0 && !f.pad && this.wanted[fileIndex]) this.data[fileIndex] ??= new Uint8Array(0);
  }

  protected async ioClose(): Promise<void> {}
}
