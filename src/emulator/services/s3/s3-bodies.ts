/**
 * Where S3 object bodies live: outside the world's snapshot, addressed by their SHA-256, so the
 * snapshot and the journal hold only metadata (a few hundred bytes an object) however large the
 * objects are, and storing an object writes that object alone.
 *
 * - {@link MemoryBodyStore}: the in-memory emulator (no state file); a body is freed when no
 *   object refers to it any more.
 * - {@link DirectoryBodyStore}: one file per distinct body in a folder (`<state-file>.objects/`),
 *   written atomically (temporary file, fsync, rename, folder fsync) before the PutObject answers;
 *   bodies nothing refers to any more are removed by {@link DirectoryBodyStore.collect}, which
 *   the state file's compaction calls.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../../atomic-file.js';

/** A body's address: its SHA-256, 64 lower-case hex digits. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where S3 object bodies live, addressed by their SHA-256 (hex). */
export interface S3BodyStore {
  /**
   * Stores a body and returns its SHA-256 (hex). A store on disk has it durable before returning,
   * so the journal record that refers to it can never point at nothing.
   */
  put(body: Buffer): string;
  /** The body with this SHA-256, or undefined when the store does not hold it. */
  get(sha256: string): Buffer | undefined;
  /** True when the store holds this body. */
  has(sha256: string): boolean;
  /** No object refers to this body any more (memory frees it; a folder waits for {@link DirectoryBodyStore.collect}). */
  release(sha256: string): void;
}

/** SHA-256 of a body as lower-case hex (the address of a body in a store). */
export function bodySha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Bodies in memory: the emulator without a state file. */
export class MemoryBodyStore implements S3BodyStore {
  readonly #bodies = new Map<string, Buffer>();

  put(body: Buffer): string {
    const sha = bodySha256(body);
    if (!this.#bodies.has(sha)) this.#bodies.set(sha, body);
    return sha;
  }

  get(sha256: string): Buffer | undefined {
    return this.#bodies.get(sha256);
  }

  has(sha256: string): boolean {
    return this.#bodies.has(sha256);
  }

  release(sha256: string): void {
    this.#bodies.delete(sha256);
  }
}

/** Bodies as files named by their SHA-256 in one folder (created on the first body). */
export class DirectoryBodyStore implements S3BodyStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file of a body. */
  path(sha256: string): string {
    return join(this.dir, sha256);
  }

  #ensureDir(): void {
    try {
      statSync(this.dir);
    } catch {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // The new folder's entry in its parent must survive a crash too.
      fsyncDir(dirname(this.dir));
    }
  }

  put(body: Buffer): string {
    const sha = bodySha256(body);
    if (this.has(sha, body.length)) return sha;
    this.#ensureDir();
    writeFileAtomic(this.path(sha), body);
    return sha;
  }

  /** Stores the body another store's file holds (a hard link when it can, else a copy). */
  putFile(sha256: string, source: string): void {
    if (this.has(sha256)) return;
    this.#ensureDir();
    try {
      linkSync(source, this.path(sha256));
    } catch {
      const temp = join(this.dir, `.${randomBytes(6).toString('hex')}.tmp`);
      try {
        copyFileSync(source, temp);
        const fd = openSync(temp, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, this.path(sha256));
      } catch (err) {
        rmSync(temp, { force: true });
        throw err;
      }
    }
    fsyncDir(this.dir);
  }

  get(sha256: string): Buffer | undefined {
    if (!SHA256_HEX.test(sha256)) return undefined;
    try {
      return readFileSync(this.path(sha256));
    } catch {
      return undefined;
    }
  }

  /** True when the folder holds this body (and, when `size` is given, whole). */
  has(sha256: string, size?: number): boolean {
    if (!SHA256_HEX.test(sha256)) return false;
    try {
      const st = statSync(this.path(sha256));
      return st.isFile() && (size === undefined || st.size === size);
    } catch {
      return false;
    }
  }

  release(): void {
    // A file stays until the next compaction: the snapshot on disk may still refer to it.
  }

  /**
   * Removes every file of the folder that is not a body in `live` (bodies of overwritten or
   * pruned objects, temporary files a killed write left, anything else), and the folder itself
   * when it ends up empty. Bodies are written synchronously, so no write is ever half-way when
   * this runs.
   *
   * @returns how many files were removed
   */
  collect(live: ReadonlySet<string>): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (live.has(name)) continue;
      rmSync(join(this.dir, name), { force: true, recursive: true });
      removed += 1;
    }
    if (removed > 0) fsyncDir(this.dir);
    if (removed === names.length) {
      try {
        rmdirSync(this.dir);
        fsyncDir(dirname(this.dir));
      } catch {
        // Not empty after all, or already gone: nothing to do.
      }
    }
    return removed;
  }
}
