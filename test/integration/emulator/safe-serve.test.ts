/**
 * The unsigned inspection API cannot be turned against the user (cross-site requests, bad
 * arguments, writes outside the state folder, leaked credentials), and SigV4 honours
 * `UNSIGNED-PAYLOAD` only where AWS does (S3).
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeJobsCommand } from '@aws-sdk/client-drs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { STAGING_REGION, sessionFor, stagingDrs, startTestEmulator } from '../../_helpers/emulator.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('serve: the inspection API and SigV4 payload rules', () => {
  let emu: Emulator;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emu-safe-'));
    emu = await startTestEmulator({ fleet: 'demo', saveDir: dir });
  });
  afterEach(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
    fetch(`${emu.endpoint}/_emulator/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('refuses {"ms":1e308} with 400 naming the field and leaves the clock working', async () => {
    const before = emu.clock.nowMs();

    const res = await post('time/advance', { ms: 1e308 });

    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^ms 1e\+308 is invalid/);
    expect(emu.clock.nowMs()).toBe(before);
    const jobs = await stagingDrs(emu).send(new DescribeJobsCommand({}));
    expect(jobs.items).toEqual([]);
  });

  it('refuses negative, non-numeric and combined advances, and a time scale that would run away', async () => {
    const before = emu.clock.nowMs();

    const answers = await Promise.all([
      post('time/advance', { seconds: -5 }),
      post('time/advance', { minutes: '5' }),
      post('time/advance', { ms: 1, minutes: 1 }),
      post('time/advance', { to: 'yesterday' }),
      post('time/scale', { timeScale: 1e300 }),
    ]);

    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(emu.clock.nowMs()).toBe(before);
    expect(emu.clock.timeScale).toBe(0);
  });

  it('refuses a cross-site simple request (text/plain POST) to state/save and writes nothing', async () => {
    const res = await post('state/save', { path: 'x.json' }, { 'content-type': 'text/plain;charset=UTF-8' });

    expect(res.status).toBe(415);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: emu.port,
          path: '/_emulator/state',
          headers: { host: 'attacker.example:80' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });

    expect(status).toBe(403);
  });

  it('saves only inside the state folder: relative paths land there, escapes are refused', async () => {
    const ok = await post('state/save', { path: 'world.json' });
    const dotdot = await post('state/save', { path: '../escaped.json' });
    const outside = join(tmpdir(), `absolute-escape-${process.pid}-${Date.now()}.json`);
    const absolute = await post('state/save', { path: outside });

    expect(ok.status).toBe(200);
    expect(await readdir(dir)).toEqual(['world.json']);
    expect(dotdot.status).toBe(400);
    expect(absolute.status).toBe(400);
    expect(existsSync(join(dir, '..', 'escaped.json'))).toBe(false);
    expect(existsSync(outside)).toBe(false);
  });

  it('saves only to a new file name or one it saved before: never over a file it did not write, a folder or a *.objects folder', async () => {
    await writeFile(join(dir, 'serve.err'), 'the log of serve');
    await mkdir(join(dir, 'sub'));
    await mkdir(join(dir, 'x.json.objects'));

    const overLog = await post('state/save', { path: 'serve.err' });
    const folder = await post('state/save', { path: 'sub' });
    const intoBodies = await post('state/save', { path: 'x.json.objects/y.json' });
    const nul = await post('state/save', { path: 'a\u0000b.json' });
    const first = await post('state/save', { path: 'mine.json' });
    const again = await post('state/save', { path: 'mine.json' });

    expect([overLog.status, folder.status, intoBodies.status, nul.status]).toEqual([400, 400, 400, 400]);
    expect(((await overLog.json()) as { message: string }).message).toMatch(
      /^path "serve.err" is an existing file this emulator did not write; save to a new file name/,
    );
    expect(((await folder.json()) as { message: string }).message).toMatch(/^path "sub" is a folder/);
    expect(((await intoBodies.json()) as { message: string }).message).toMatch(/folder of S3 object bodies/);
    expect(await readFile(join(dir, 'serve.err'), 'utf8')).toBe('the log of serve');
    expect([first.status, again.status]).toEqual([200, 200]);
    expect((await readdir(dir)).sort()).toEqual(['mine.json', 'serve.err', 'sub', 'x.json.objects']);
  });

  it("never saves onto a state file's own journal, lock or objects folder, even before they exist", async () => {
    const guarded = await startTestEmulator({
      fleet: 'demo',
      saveDir: dir,
      reservedPaths: [join(dir, 'world.json'), join(dir, 'world.json.journal'), join(dir, 'world.json.lock')],
      objectsDir: join(dir, 'world.json.objects'),
    });
    try {
      const answers = await Promise.all(
        ['world.json', 'world.json.journal', 'world.json.lock', 'world.json.objects'].map((path) =>
          fetch(`${guarded.endpoint}/_emulator/state/save`, {
            method: 'POST',
            headers: JSON_HEADERS,
            body: JSON.stringify({ path }),
          }),
        ),
      );

      expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400]);
      const messages = await Promise.all(
        answers.map(async (r) => ((await r.json()) as { message: string }).message),
      );
      expect(messages[1]).toMatch(/^path "world.json.journal" is the state file's own file/);
      expect(messages[3]).toMatch(/^path "world.json.objects" is the state file's own/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });

  it('masks secret keys and session tokens in GET state unless includeCredentials=true', async () => {
    const session = sessionFor(emu, '111111111111');

    const masked = await (await fetch(`${emu.endpoint}/_emulator/state`)).text();
    const shown = await (await fetch(`${emu.endpoint}/_emulator/state?includeCredentials=true`)).text();

    expect(masked).not.toContain(session.secretAccessKey);
    expect(masked).not.toContain(session.sessionToken as string);
    expect(masked).toContain(session.accessKeyId);
    expect(shown).toContain(session.secretAccessKey);
    expect(shown).toContain(session.sessionToken as string);
  });

  it('does not honour x-amz-content-sha256: UNSIGNED-PAYLOAD on DRS: a swapped body fails the signature', async () => {
    const url = new URL('/DescribeJobs', emu.endpoint);
    const signer = new SignatureV4({
      credentials: sessionFor(emu, '111111111111'),
      region: STAGING_REGION,
      service: 'drs',
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/json',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      body: '{"maxResults":1}',
    });

    const res = await fetch(url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: '{"maxResults":1000,"filters":{"jobIDs":[]}}',
    });

    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});
