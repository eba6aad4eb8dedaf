/**
 * `--target sfn` end to end: the real CLI and the real SDK over HTTP against the emulator hosting
 * our workflows (as `drs-orch serve` does), a runbook on the deployed waves state machine and an
 * action on the main one: progress per wave and per account read from the histories, approvals
 * answered at a (fake) terminal with SendTaskSuccess/Failure, Ctrl-C as StopExecution, and the
 * local evidence report (the workflow's own when it wrote one, else built from the histories).
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { type CliDeps, main } from '../../../src/cli/main.js';
import { type RunbookInvocation, runRunbook } from '../../../src/cli/runbook.js';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import { openSfnSession } from '../../../src/cli/targets/sfn.js';
import { openSession } from '../../../src/cli/targets.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';
import { type ReportSource, sourceDigest } from '../../../src/report/index.js';
import { ctrlCAt, terminal } from '../../_helpers/terminal.js';
import { Capture } from '../../unit/cli/fakes.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
const MAIN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:dr-notifications';
const KEYS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', NO_COLOR: '1' };

/** Two staging accounts, twelve servers over three waves: every wave spans both accounts. */
const FLEET = generateFleet({ accounts: 2, serversPerAccount: 6, waves: 3, seed: 3 });

// A day of virtual time to answer (2.4 wall minutes at x600): a loaded machine must not time it out.
const THREE_WAVES = `
name: three waves on sfn
action: drill
metadata: { ticketId: CHG-11 }
approval: { topicArn: "${TOPIC}", timeoutSeconds: 86400 }
waves:
  - { name: databases, tags: { DR-Wave: "1" } }
  - { name: application, tags: { DR-Wave: "2" }, approval: true }
  - { name: web, tags: { DR-Wave: "3" } }
`;

const FIRST_APPROVAL = `
name: approval first
action: drill
approval: { topicArn: "${TOPIC}", timeoutSeconds: 86400 }
waves:
  - { name: databases, tags: { DR-Wave: "1" }, approval: true }
  - { name: web, tags: { DR-Wave: "3" } }
`;

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ fleet: FLEET, timeScale: 600, stepFunctions: await loadLocalWorkflows() });
});
afterAll(async () => {
  await emu?.stop();
});

async function workdir(runbook?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-sfn-'));
  if (runbook !== undefined) await writeFile(join(dir, 'runbook.yaml'), runbook);
  return dir;
}

function sfnFlags(arn: string): string[] {
  return [
    '--target',
    'sfn',
    '--endpoint',
    emu.endpoint,
    '--state-machine-arn',
    arn,
    '--poll-interval',
    '0.2',
  ];
}

async function reports(
  dir: string,
): Promise<{ name: string; json: string; html: string; source: ReportSource }[]> {
  const folder = join(dir, '.drs-orch/reports');
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  return Promise.all(
    names.map(async (n) => {
      const json = await readFile(join(folder, n), 'utf8');
      const html = await readFile(join(folder, n.replace(/\.json$/, '.html')), 'utf8');
      return { name: n, json, html, source: JSON.parse(json) as ReportSource };
    }),
  );
}

/** A runbook invocation on the emulator's deployed waves machine. */
function invocation(approve: string[] = []): RunbookInvocation {
  return {
    kind: 'runbook',
    file: 'runbook.yaml',
    approve,
    metadata: { initiatedBy: 'alice' },
    target: {
      target: 'sfn',
      fleet: 'demo',
      timeScale: 1,
      stateFile: 'unused',
      reset: false,
      endpoint: emu.endpoint,
      stateMachineArn: WAVES,
      pollSeconds: 0.2,
    },
    out: { format: 'json', quiet: false },
  };
}

describe('drs-orch runbook --target sfn', () => {
  it('runs three waves with a block per wave and a row per account, wave 2 approved at the prompt, exit 0 and a report', async () => {
    const dir = await workdir(THREE_WAVES);
    const t = terminal(dir, {
      'Approve this wave?': ['a'],
      'Comment (optional):': ['app owners on the bridge'],
    });
    let calls: Record<string, number> = {};
    let polls = 0;

    const code = await runRunbook(invocation(), { ...t.io, env: KEYS }, async (io) => {
      const session = openSfnSession({ target: invocation().target, env: io.env });
      return {
        ...session,
        close: async () => {
          calls = session.calls;
          polls = session.polls;
          await session.close();
        },
      };
    });

    expect(code, t.stderr.text.slice(-2000)).toBe(0);
    const out = JSON.parse(t.stdout.text) as {
      status: string;
      waves: Record<string, { name: string; status: string; approval: Record<string, unknown> }>;
    };
    expect(out.status).toBe('success');
    expect(Object.values(out.waves).map((w) => [w.name, w.status])).toEqual([
      ['databases', 'success'],
      ['application', 'success'],
      ['web', 'success'],
    ]);
    expect(out.waves.wave2?.approval).toMatchObject({ approved: true, comment: 'app owners on the bridge' });
    // The prompt showed the message the waves execution published, with the approve command.
    expect(t.seen.get('Approve this wave?')).toBe(1);
    expect(t.stderr.text).toContain('Wave 2 of 3 "application"');
    expect(t.stderr.text).toMatch(
      /drs-orch approve arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:/,
    );
    // One live block per wave, each with a row per staging account and its counts.
    const frames = t.stderr.text.split(/wave (?=\d\/3 )/).slice(1);
    for (const [n, name] of [
      [1, 'databases'],
      [2, 'application'],
      [3, 'web'],
    ] as const) {
      const block = frames.filter((f) => f.startsWith(`${n}/3 ${name}:`)).at(-1) ?? '';
      expect(block, `wave ${n}`).toMatch(/111111111111\s+done\s+\d+\s+0\s+\d+\s+0/);
      expect(block, `wave ${n}`).toMatch(/222222222222\s+done\s+\d+\s+0\s+\d+\s+0/);
    }
    const [report] = await reports(dir);
    // The waves workflow's own report of the whole runbook, downloaded and checked.
    expect(t.stderr.text).toMatch(
      /report: \.drs-orch\/reports\/drs-orch-runbook-[^ ]+\.html \(written by the workflow to s3:\/\/[^ ]+\/report\.html; SHA-256 [0-9a-f]{64} checked\)/,
    );
    expect(report?.source.gaps).toEqual([]);
    const s = report?.source as ReportSource;
    expect(s.kind).toBe('runbook');
    expect(s.execution.outcome).toBe('success');
    expect(s.waves.map((w) => w.status)).toEqual(['success', 'success', 'success']);
    expect(s.waves[1]?.approval).toMatchObject({ decision: 'approved', comment: 'app owners on the bridge' });
    expect(s.accounts.map((a) => `${a.wave}:${a.accountId}`).sort()).toEqual([
      '1:111111111111',
      '1:222222222222',
      '2:111111111111',
      '2:222222222222',
      '3:111111111111',
      '3:222222222222',
    ]);
    expect(s.totals.servers).toBe(12);
    expect(s.startedBy).toMatchObject({ initiatedBy: 'alice', ticketId: 'CHG-11' });
    expect(report?.html).toContain(sourceDigest(report?.json ?? ''));
    // The polling cost: per poll one history page of the waves execution and of the running wave,
    // one listing of its map run; each account's child is read when first listed and when it ends.
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    console.info(
      `sfn runbook, 3 waves x 2 accounts: ${polls} polls, ${JSON.stringify(calls)}, ${(total / polls).toFixed(2)} calls per poll`,
    );
    expect(calls).toMatchObject({ StartExecution: 1, SendTaskSuccess: 1 });
    expect(polls).toBeGreaterThan(3);
    // One history per poll (the running wave's main, else the waves execution), plus the waves
    // execution's in the poll after each wave and the next main's in the poll that starts it, plus
    // two reads per account child per wave; one map-run listing per poll plus the last one of each
    // wave. Reading the waves history or every child on each poll would break this.
    expect(calls.GetExecutionHistory).toBeLessThanOrEqual(polls + 2 * 3 + 2 * 2 * 3);
    expect(calls.ListExecutions).toBeLessThanOrEqual(polls + 3);
    // `drs-orch report` lists it.
    const listed = new Capture();
    expect(
      await main(['report'], { stdout: listed, stderr: new Capture(), env: {}, isTTY: false, cwd: dir }),
    ).toBe(0);
    expect(listed.text).toContain('success');
    expect(listed.text).toContain('three waves on sfn');
  }, 180_000);

  it('rejected at the prompt: no wave runs, exit 3, the rejection is in the report', async () => {
    const dir = await workdir(FIRST_APPROVAL);
    const t = terminal(dir, {
      'Approve this wave?': ['r'],
      'Reason for the rejection:': ['change freeze'],
    });

    const code = await main(['runbook', 'runbook.yaml', ...sfnFlags(WAVES), '--initiated-by', 'bob'], {
      ...t.io,
      env: KEYS,
    });

    expect(code, t.stderr.text.slice(-2000)).toBe(3);
    expect(JSON.parse(t.stdout.text)).toMatchObject({
      status: 'rejected',
      stoppedAtWave: 1,
      stoppedAtWaveName: 'databases',
      wavesRun: 0,
    });
    const [report] = await reports(dir);
    expect(t.stderr.text).toContain('(written by the workflow to s3://');
    expect(report?.source.execution.outcome).toBe('rejected');
    expect(report?.source.waves[0]?.approval).toMatchObject({
      decision: 'rejected',
      by: 'bob',
      comment: 'change freeze',
    });
    expect(report?.source.waves.map((w) => w.status)).toEqual(['not run', 'not run']);
  }, 120_000);

  it('Ctrl-C while a wave waits stops the execution (StopExecution): exit 130 and an aborted record', async () => {
    const dir = await workdir(FIRST_APPROVAL);
    const t = terminal(dir, {});
    // The operator presses Ctrl-C at the approval prompt.
    const interceptInterrupt = ctrlCAt(t, 'Approve this wave?');

    const code = await runRunbook(invocation(), { ...t.io, env: KEYS }, async (io) => ({
      ...openSfnSession({ target: invocation().target, env: io.env }),
      // What runbook.ts installs as the SIGINT listener; the test presses "Ctrl-C" through it.
      interceptInterrupt,
    }));

    expect(code).toBe(130);
    const [report] = await reports(dir);
    expect(report?.source.execution).toMatchObject({ outcome: 'aborted', status: 'ABORTED' });
    expect(report?.source.notes.map((n) => n.text)).toContain('cancelled by alice (Ctrl-C)');
    expect(report?.source.waves[0]?.approval?.decision).toBe('pending');
  }, 120_000);

  it('a real Ctrl-C (SIGINT to the process) stops the waves execution: exit 130, ABORTED in Step Functions and in the record', async () => {
    const dir = await workdir(THREE_WAVES);
    const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(
      process.execPath,
      [
        '--import',
        tsx,
        resolve('src/cli/entry.ts'),
        'runbook',
        'runbook.yaml',
        ...sfnFlags(WAVES),
        '--approve',
        'all',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...KEYS } },
    );
    let err = '';
    let sent = false;
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      // Ctrl-C while wave 1's main execution runs.
      if (!sent && err.includes('main execution started')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));

    expect(code, err).toBe(130);
    expect(err).toContain('interrupted: stopping the runbook');
    const [report] = await reports(dir);
    const s = report?.source as ReportSource;
    // Stopped before its report task: the CLI's record from the histories, saying so.
    expect(s.gaps).toEqual([
      expect.stringMatching(
        /^the execution ended without an output \(stopped, failed or timed out before its report task\); this record was built by drs-orch from the execution histories it read/,
      ),
    ]);
    expect(s.execution).toMatchObject({ outcome: 'aborted', status: 'ABORTED' });
    expect(s.notes.map((n) => n.text).some((t) => /^cancelled by .+ \(Ctrl-C\)$/.test(t))).toBe(true);
    const sfn = new SFNClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: s.execution.arn }));
    sfn.destroy();
    expect(described.status).toBe('ABORTED');
  }, 120_000);

  it('refuses a missing --state-machine-arn, or one naming the main machine, naming the flag', async () => {
    const dir = await workdir(THREE_WAVES);
    const run = async (argv: string[]): Promise<{ code: number; text: string }> => {
      const stderr = new Capture();
      const io: Partial<CliIo> = {
        stdout: new Capture(),
        stderr,
        stdin: new PassThrough(),
        env: KEYS,
        isTTY: false,
        cwd: dir,
      };
      return { code: await main(argv, io), text: stderr.text };
    };

    const sfn = new SFNClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const started = async (): Promise<number> =>
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: WAVES }))).executions?.length ?? 0;
    const before = await started();
    const noTerminal = await run(['runbook', 'runbook.yaml', ...sfnFlags(WAVES)]);
    const missing = await run(['runbook', 'runbook.yaml', '--target', 'sfn', '--approve', 'all']);
    const main_ = await run(['runbook', 'runbook.yaml', ...sfnFlags(MAIN), '--approve', 'all']);
    const wavesForAction = await run(['drill', '--tags', 'DR-Wave=1', ...sfnFlags(WAVES)]);

    expect(missing.code).toBe(64);
    expect(missing.text).toContain(
      '--target sfn needs --state-machine-arn ARN: the deployed waves state machine (arn:aws:states:REGION:ACCOUNT:stateMachine:drs-orchestration-waves, the stack output WavesStateMachineArn)',
    );
    expect(main_.code).toBe(64);
    expect(main_.text).toContain(
      '--state-machine-arn names the main state machine (drs-orchestration-main); a runbook (drs-orch runbook FILE) starts the waves state machine',
    );
    expect(wavesForAction.code).toBe(64);
    expect(wavesForAction.text).toContain('--state-machine-arn names the waves state machine');
    // Without a terminal and without --approve, refused as on sim, before anything starts.
    expect(noTerminal.code).toBe(64);
    expect(noTerminal.text).toContain('wave "application" asks for approval and there is no terminal');
    expect(await started()).toBe(before);
    sfn.destroy();
    expect(await readdir(dir)).toEqual(['runbook.yaml']);
  });
});

describe('drs-orch ACTION --target sfn', () => {
  it("shows each account's executor and counts from the Distributed Map's children and keeps the workflow's report", async () => {
    const dir = await workdir();
    const stderr = new Capture();
    const stdout = new Capture();

    const code = await main(['drill', '--tags', 'DR-Wave=2', ...sfnFlags(MAIN)], {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: KEYS,
      isTTY: false,
      cwd: dir,
    });

    expect(code, stderr.text).toBe(0);
    const out = JSON.parse(stdout.text) as { summary: { totalServers: number }; reportLocation: string };
    for (const account of ['111111111111', '222222222222']) {
      expect(stderr.text).toContain(`${account} executor started`);
      expect(stderr.text).toMatch(
        new RegExp(`${account} discovered [1-9]\\d* launching 0 launched [1-9]\\d* failed 0`),
      );
      expect(stderr.text).toContain(`${account} executor finished`);
    }
    // The report the workflow wrote to the results bucket, downloaded and checked.
    expect(out.reportLocation).toMatch(
      /^s3:\/\/drs-orchestration-results-123456789012\/results\/.+\/report\.html$/,
    );
    expect(stderr.text).toMatch(
      /report: \.drs-orch\/reports\/[^ ]+\.html \(written by the workflow to s3:\/\//,
    );
    const [report] = await reports(dir);
    // Named like a local run's: readable in `drs-orch report` and in the console.
    expect(report?.name).toMatch(/^drs-orch-drill-\d{8}T\d{6}Z-[0-9a-f]{4}\.json$/);
    expect(report?.source.kind).toBe('action');
    expect(report?.source.totals.servers).toBe(out.summary.totalServers);
    expect(report?.html).toContain(`id="digest">${sourceDigest(report?.json ?? '')}<`);
  }, 120_000);

  it("builds the report from the histories, with a gap note, when the workflow's copy in the bucket does not check", async () => {
    const dir = await workdir();
    const stderr = new Capture();
    const s3 = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let tampered = '';
    const deps: CliDeps = {
      serve: async () => 0,
      async openSession(inv, io, say) {
        const session = await openSession(inv, io, say);
        return {
          ...session,
          async fetchReport(location) {
            // Someone edits the record in the bucket after the workflow wrote it (over the wire).
            const [, Bucket = '', html = ''] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location) ?? [];
            const Key = html.replace(/\.html$/, '.json');
            const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
            const text = await got.Body?.transformToString('utf8');
            tampered = (text ?? '').replace('"succeeded": ', '"succeeded": 1');
            await s3.send(new PutObjectCommand({ Bucket, Key, Body: tampered }));
            return (session.fetchReport as NonNullable<typeof session.fetchReport>)(location);
          },
        };
      },
    };

    const code = await main(
      ['drill', '--tags', 'DR-Wave=3', ...sfnFlags(MAIN)],
      { stdout: new Capture(), stderr, stdin: new PassThrough(), env: KEYS, isTTY: false, cwd: dir },
      deps,
    );
    s3.destroy();

    expect(code, stderr.text).toBe(0);
    expect(tampered).toMatch(/"succeeded": 1\d/);
    const [report] = await reports(dir);
    const s = report?.source as ReportSource;
    // Not the tampered copy: the CLI's own record, saying why and what it lacks.
    expect(report?.json).not.toBe(tampered);
    expect(s.gaps).toEqual([
      expect.stringMatching(
        /^the workflow's report at s3:\/\/.+\/report\.html is not used: its report\.html prints SHA-256 [0-9a-f]{64} but report\.json hashes to [0-9a-f]{64}; this record was built by drs-orch from the execution histories it read/,
      ),
    ]);
    expect(s.execution).toMatchObject({ outcome: 'success', target: expect.stringMatching(/^sfn /) });
    expect(s.accounts.map((a) => `${a.accountId}:${a.status}`).sort()).toEqual([
      '111111111111:success',
      '222222222222:success',
    ]);
    expect(s.totals.failed).toBe(0);
    expect(s.totals.servers).toBeGreaterThan(0);
    expect(report?.html).toContain(`id="digest">${sourceDigest(report?.json ?? '')}<`);
  }, 120_000);
});
