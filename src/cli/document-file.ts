/**
 * Reads a document file or stream for the strict reader (`src/contract/document-reader.ts`)
 * without ever holding more than the document's size limit in memory: a file's size is checked
 * on its open handle before it is read, and a stream is cut off as soon as it passes the limit.
 */
import { open } from 'node:fs/promises';
import { checkDocumentSize, type DocumentLimits } from '../contract/index.js';

/**
 * Reads a whole file whose size is checked first (on the open handle, so the file read is the
 * file checked). Reads at most `maxBytes + 1` bytes even if the file grows meanwhile.
 *
 * @param name the file as the user named it, for the refusal
 * @throws {DocumentRejected} (`limit: 'size'`) when the file is larger than `limits.maxBytes`
 * @throws the `open`/`read` error (`ENOENT`, `EISDIR`, ...) when the file cannot be read
 * @example const bytes = await readDocumentFile('/abs/rb.yaml', 'rb.yaml', DOCUMENT_LIMITS.runbook)
 */
export async function readDocumentFile(path: string, name: string, limits: DocumentLimits): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) {
      throw Object.assign(new Error(`EISDIR: ${path} is a directory`), { code: 'EISDIR' });
    }
    checkDocumentSize(name, info.size, limits);
    // A special file (a pipe, /dev/stdin) reports size 0: read in chunks up to the limit instead.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const room = Math.min(limits.maxBytes + 1 - total, 1024 * 1024);
      const buffer = Buffer.allocUnsafe(Math.max(room, 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      checkDocumentSize(name, total, limits, true);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a stream (stdin) to its end, refusing it as soon as it passes `limits.maxBytes`.
 *
 * @throws {DocumentRejected} (`limit: 'size'`) once more than `limits.maxBytes` bytes arrived
 * @example const bytes = await readDocumentStream(process.stdin, 'stdin', DOCUMENT_LIMITS.input)
 */
export async function readDocumentStream(
  stream: AsyncIterable<unknown>,
  name: string,
  limits: DocumentLimits,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    total += buffer.byteLength;
    // Refuse before keeping the chunk: nothing past the limit is held.
    if (total > limits.maxBytes) checkDocumentSize(name, total, limits, true);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
