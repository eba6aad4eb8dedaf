import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocumentFile, readDocumentStream } from '../../../src/cli/document-file.js';
import { DocumentRejected } from '../../../src/contract/index.js';

const LIMITS = { maxBytes: 1024, maxDepth: 8, maxAliases: 0 };

describe('Function: readDocumentFile', () => {
  it('refuses a file by its size before reading it (a sparse 50 GB file would not fit in memory)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'drs-orch-doc-')), 'huge.json');
    await writeFile(path, '');
    await truncate(path, 50 * 1024 ** 3);
    const refused = readDocumentFile(path, 'huge.json', LIMITS);
    await expect(refused).rejects.toBeInstanceOf(DocumentRejected);
    await expect(refused).rejects.toThrow(
      'huge.json: too large: 53687091200 bytes, over the limit of 1024 bytes (1 KiB)',
    );
  });

  it('reads a file within the limit whole, and passes on why a file cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-doc-'));
    await writeFile(join(dir, 'ok.json'), '{"a":1}');
    expect((await readDocumentFile(join(dir, 'ok.json'), 'ok.json', LIMITS)).toString()).toBe('{"a":1}');
    await expect(readDocumentFile(join(dir, 'missing.json'), 'missing.json', LIMITS)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(readDocumentFile(dir, 'dir', LIMITS)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('Function: readDocumentStream', () => {
  it('stops a stream as soon as it passes the limit, without reading the rest', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled += 1;
        yield new Uint8Array(512);
      }
    }
    await expect(readDocumentStream(endless(), 'stdin', LIMITS)).rejects.toThrow(
      'stdin: too large: more than 1024 bytes, over the limit of 1024 bytes (1 KiB)',
    );
    expect(pulled).toBe(3);
  });
});
