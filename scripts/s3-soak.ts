/**
 * S3 soak: `drs-orch serve --state-file` holds gigabytes of S3 objects, survives kill -9 and a
 * restart with every one of them, and its memory stays bounded while they are uploaded.
 *
 * 1. Starts `drs-orch serve --state-file` (from source) in a temporary folder.
 * 2. Abuse: 30 concurrent uploads of 60 MB each that name S3 in a forged signature; they must be
 *    refused (403) and read no further than the small cap, so the process stays small.
 * 3. Uploads `--mib` MiB of objects of `--object-mib` MiB (random bytes; PutObject of the real
 *    AWS SDK, one at a time), then reads the serve process's peak RSS (VmHWM in /proc/PID/status).
 * 4. kill -9, restarts serve on the same state file, reads every object back and checks its
 *    SHA-256; then stops it cleanly (SIGTERM, exit 0) and checks the bodies folder holds exactly
 *    the bodies the snapshot refers to.
 *
 * Prints one JSON line of numbers. Exits 1 when an object is missing or wrong, the peak RSS while
 * uploading passes `--max-rss-mib` (500), a forged upload is not refused, or the clean stop fails.
 * Sends traffic only to 127.0.0.1 (the serve it started). Linux only (/proc).
 *
 * Usage: node --import tsx scripts/s3-soak.ts [--mib 2048] [--object-mib 8] [--max-rss-mib 500]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`s3-soak: ${name} ${JSON.stringify(args[at + 1])} is invalid; expected a positive number`);
    process.exit(64);
  }
  return value;
};
const totalMib = flag('--mib', 2048);
const objectMib = flag('--object-mib', 8);
const maxRssMib = flag('--max-rss-mib', 500);
const objectBytes = Math.round(objectMib * 1024 * 1024);
const count = Math.max(1, Math.round((totalMib * 1024 * 1024) / objectBytes));

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = await mkdtemp(join(tmpdir(), 'drs-orch-s3-soak-'));
const stateFile = join(dir, 'world.json');

/** `drs-orch serve --port 0 --state-file world.json`; resolves with the child and its endpoint. */
async function serve(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      join(root, 'src/cli/entry.ts'),
      'serve',
      '--port',
      '0',
      '--state-file',
      stateFile,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const endpoint = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) done(out.split('\n')[0]?.trim() ?? '');
    });
    child.on('exit', (code) => fail(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
  return { child, endpoint };
}

/** Peak resident set size of a process in MiB (VmHWM), and the current one (VmRSS). */
function memoryOf(pid: number): { peakMib: number; rssMib: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMib: Math.round(kb('VmHWM') / 1024), rssMib: Math.round(kb('VmRSS') / 1024) };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.on('exit', (code) => done(code));
  });
}

/**
 * One upload that names S3 in a forged signature (a made-up key), streaming `mib` MiB of zeros
 * without holding them; resolves with the status serve answered.
 */
function forgedUpload(endpoint: string, key: string, mib: number): Promise<number> {
  const url = new URL(`/soak/${key}`, endpoint);
  return new Promise((done, fail) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: {
          'content-length': String(mib * 1024 * 1024),
          'x-amz-date': '20250106T090000Z',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIAFORGED0000000000/20250106/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const pump = (): void => {
      while (sent < mib) {
        sent += 1;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const client = (endpoint: string): S3Client =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

const problems: string[] = [];
const started = Date.now();
try {
  const first = await serve();
  const pid = first.child.pid as number;
  const atStart = memoryOf(pid);

  // Forged uploads: refused without being buffered past the small cap.
  const forged = await Promise.all(
    Array.from({ length: 30 }, (_, i) => forgedUpload(first.endpoint, `forged-${i}`, 60)),
  );
  const afterAbuse = memoryOf(pid);
  const notRefused = forged.filter((s) => s !== 403).length;
  if (notRefused > 0) problems.push(`${notRefused} of 30 forged uploads were not refused with 403`);

  const s3 = client(first.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'soak' }));
  const expected = new Map<string, string>();
  let uploaded = 0;
  const uploadStarted = Date.now();
  for (let i = 0; i < count; i++) {
    const body = randomBytes(objectBytes);
    const key = `objects/${String(i).padStart(5, '0')}.bin`;
    expected.set(key, sha256(body));
    await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: key, Body: body }));
    uploaded += body.length;
  }
  const uploadSeconds = (Date.now() - uploadStarted) / 1000;
  const afterUpload = memoryOf(pid);
  const snapshotBytes = statSync(stateFile).size;
  const journalBytes = statSync(`${stateFile}.journal`).size;
  const stateView = await fetch(`${first.endpoint}/_emulator/state`);
  const stateViewBytes = (await stateView.text()).length;
  if (stateView.status !== 200) problems.push(`/_emulator/state answered ${stateView.status}`);
  if (afterUpload.peakMib > maxRssMib) {
    problems.push(`peak RSS ${afterUpload.peakMib} MiB while uploading is over ${maxRssMib} MiB`);
  }
  first.child.kill('SIGKILL');
  await exited(first.child);

  const second = await serve();
  const again = client(second.endpoint);
  let verified = 0;
  const verifyStarted = Date.now();
  for (const [key, hash] of expected) {
    try {
      const got = await again.send(new GetObjectCommand({ Bucket: 'soak', Key: key }));
      const bytes = await got.Body?.transformToByteArray();
      if (bytes !== undefined && sha256(bytes) === hash) verified += 1;
      else problems.push(`${key}: its body does not have the SHA-256 it was uploaded with`);
    } catch (err) {
      problems.push(`${key}: ${(err as Error).name} ${(err as Error).message}`);
    }
  }
  const verifySeconds = (Date.now() - verifyStarted) / 1000;
  const afterRestart = memoryOf(second.child.pid as number);
  second.child.kill('SIGTERM');
  const cleanExit = await exited(second.child);
  if (cleanExit !== 0) problems.push(`serve exited ${cleanExit} on SIGTERM`);
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    services: { s3: { buckets: { objects: { sha256: string }[] }[] } };
  };
  const live = new Set(saved.services.s3.buckets.flatMap((b) => b.objects.map((o) => o.sha256)));
  let files: string[] = [];
  try {
    files = readdirSync(`${stateFile}.objects`);
  } catch {
    // No bodies folder at all: every body is missing (counted below).
  }
  const orphans = files.filter((f) => !live.has(f)).length;
  const missing = [...live].filter((sha) => !files.includes(sha)).length;
  if (orphans > 0 || missing > 0) problems.push(`${orphans} orphan and ${missing} missing body file(s)`);

  console.log(
    `s3 soak: ${JSON.stringify({
      objects: count,
      objectBytes,
      uploadedBytes: uploaded,
      uploadSeconds,
      verifiedAfterKill9: verified,
      verifySeconds,
      rssMib: {
        atStart: atStart.rssMib,
        afterForgedUploads: { peak: afterAbuse.peakMib, now: afterAbuse.rssMib },
        peakWhileUploading: afterUpload.peakMib,
        afterUploading: afterUpload.rssMib,
        peakAfterRestartAndReadBack: afterRestart.peakMib,
      },
      forgedUploadsRefused: 30 - notRefused,
      snapshotBytes,
      journalBytes,
      stateViewBytes,
      bodyFiles: files.length,
      seconds: Math.round((Date.now() - started) / 1000),
    })}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
for (const p of problems.slice(0, 20)) console.error(`s3 soak: ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
