/**
 * Crash-safe file writes for the emulator's persistence (the world snapshot and the S3 object
 * bodies beside it): one implementation, so both survive a kill at any moment the same way.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Flushes a folder's entries (a rename or a new file in it) to disk, where the filesystem can. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a folder; the rename itself is still atomic.
  }
}

/**
 * Writes `data` to `path` atomically: a temporary file in the same directory, flushed to disk,
 * then renamed over `path` (and the directory flushed), so a kill at any moment leaves either the
 * old file or the new one, never half of one. The temporary file has a fixed name per target
 * plus a random suffix and is removed on failure.
 *
 * @example writeFileAtomic('/tmp/sim.json', JSON.stringify(world))
 */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const temp = `${dirname(path)}/.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      // writeSync may write less than asked: loop until every byte is out.
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}
