/**
 * Command lines that cannot run are refused with a clear message and exit 64 before anything
 * starts, never an internal error (70) and never a failure found mid-run (3): out-of-range values,
 * a folder as the state file, options that mean nothing for the target, endpoints nobody answers
 * on, no credentials, an approval topic the workflows cannot publish to.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { loadWorld } from '../../../src/cli/targets/state-file.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import { fakeDeps, fakeIo } from './fakes.js';

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:w1';
const MAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
const KEYS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drs-orch-refusals-'));
}

/** Runs `main` with the real targets; returns the exit code and stderr. */
async function run(argv: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const { io, stderr } = fakeIo({ cwd: opts.cwd ?? tempDir(), env: opts.env ?? {} });
  const code = await main(argv, io);
  return { code, stderr: stderr.text };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Function: main (refusals before anything starts)', () => {
  it('refuses --time-scale above the emulator clock maximum, naming the flag and the limit', async () => {
    for (const argv of [
      ['drill', '--tags', 'DR-Wave=1', '--time-scale', '1e9'],
      ['serve', '--time-scale', '1000001'],
    ]) {
      const { io, stderr } = fakeIo();
      const { deps, calls } = fakeDeps();

      expect(await main(argv, io, deps)).toBe(64);
      expect(stderr.text).toMatch(/^drs-orch: --time-scale must be .* at most 1000000, got "1e9|1000001"/);
      expect(calls.opened.length + calls.served.length).toBe(0);
    }
  });

  it('refuses --state-file that is a folder, also with --reset, and leaves nothing behind', async () => {
    const dir = tempDir();

    const { code, stderr } = await run(['status', '--tags', 'DR-Wave=1', '--state-file', '.', '--reset'], {
      cwd: dir,
    });

    expect(code).toBe(64);
    expect(stderr).toContain('--state-file "." is a directory; give a file path');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses fleet generate --servers-per-account above the DRS limit of 300 per account', async () => {
    const { code, stderr } = await run([
      'fleet',
      'generate',
      '--accounts',
      '1',
      '--servers-per-account',
      '301',
    ]);

    expect(code).toBe(64);
    expect(stderr).toBe('drs-orch: --servers-per-account must be between 1 and 300, got 301\n');
  });

  it('refuses options that do not apply to the target, naming the option and the target', async () => {
    const cases: [string[], string][] = [
      [['--state-machine-arn', MAIN_ARN], '--state-machine-arn does not apply to --target sim'],
      [['--poll-interval', '2'], '--poll-interval does not apply to --target sim'],
      [['--region', 'us-east-1'], '--region does not apply to --target sim'],
      [
        ['--target', 'aws', '--region', 'us-east-1', '--fleet', 'demo'],
        '--fleet does not apply to --target aws',
      ],
      [
        ['--target', 'sfn', '--state-machine-arn', MAIN_ARN, '--time-scale', '5'],
        '--time-scale does not apply to --target sfn',
      ],
      [
        ['--target', 'sfn', '--state-machine-arn', MAIN_ARN, '--results-bucket', 'b'],
        '--results-bucket does not apply to --target sfn',
      ],
      [['--results-bucket', 'b'], '--results-bucket does not apply to --target sim; it is for --target aws'],
    ];
    for (const [extra, message] of cases) {
      const { io, stderr } = fakeIo();
      const { deps, calls } = fakeDeps();

      expect(await main(['drill', '--tags', 'DR-Wave=1', ...extra], io, deps)).toBe(64);
      expect(stderr.text).toContain(message);
      expect(calls.opened).toEqual([]);
    }
  });

  it('refuses approve with an empty, malformed or non-http endpoint, or a malformed region', async () => {
    const cases: [string[], string][] = [
      [['--endpoint', ''], '--endpoint must be a URL'],
      [['--endpoint', 'not a url'], '--endpoint must be a URL'],
      [['--endpoint', 'ftp://127.0.0.1:4566'], '--endpoint must be an http(s) URL'],
      [['--region', 'xx'], '--region must be an AWS Region such as us-east-1, got "xx"'],
      [['--region', 'us east 1'], '--region must be an AWS Region'],
    ];
    for (const [extra, message] of cases) {
      const { code, stderr } = await run(['approve', EXECUTION, ...extra], { env: KEYS });

      expect(code).toBe(64);
      expect(stderr).toContain(message);
    }
  });

  it('refuses approve of an execution ARN whose Region is not a Region', async () => {
    const { code, stderr } = await run(
      ['approve', 'arn:aws:states:x:123456789012:execution:drs-orchestration-waves:w1'],
      { env: KEYS },
    );

    expect(code).toBe(64);
    expect(stderr).toContain('approve needs an execution ARN');
  });

  it('says an approve endpoint nobody answers on cannot be reached (exit 64, not 70)', async () => {
    const { code, stderr } = await run(['approve', EXECUTION, '--endpoint', 'http://127.0.0.1:1'], {
      env: KEYS,
    });

    expect(code).toBe(64);
    expect(stderr).toBe(
      'drs-orch: cannot reach Step Functions at --endpoint http://127.0.0.1:1 (ECONNREFUSED); check the endpoint and that it is running\n',
    );
  });

  it('refuses hex, octal, binary and exponent numbers in numeric options, naming the option and the form (exit 64)', async () => {
    const cases: [string[], string][] = [
      [
        ['drill', '--tags', 'DR-Wave=1', '--max-wait', '0x10'],
        '--max-wait must be a whole number of minutes, got "0x10"',
      ],
      [
        ['drill', '--tags', 'DR-Wave=1', '--parallelism', '1e3'],
        '--parallelism must be a whole number of servers or "max", got "1e3"',
      ],
      [
        ['drill', '--tags', 'DR-Wave=1', '--parallelism', '1e9'],
        '--parallelism must be a whole number of servers or "max", got "1e9"',
      ],
      [
        ['terminate', '--tags', 'DR-Wave=1', '--older-than-minutes', '0o10'],
        '--older-than-minutes must be a whole number of minutes, got "0o10"',
      ],
      [
        ['drill', '--tags', 'DR-Wave=1', '--health-check', '0b11'],
        '--health-check must be a whole number of minutes, got "0b11"',
      ],
      [
        ['drill', '--tags', 'DR-Wave=1', '--next-phase-threshold', '5e-1'],
        '--next-phase-threshold must be a ratio between 0 and 1, got "5e-1"',
      ],
      [['drill', '--tags', 'DR-Wave=1', '--time-scale', '0x10'], '--time-scale must be a positive number'],
      [['serve', '--port', '0x10'], '--port must be a port number between 0 and 65535, got "0x10"'],
      [
        ['fleet', 'generate', '--accounts', '1', '--servers-per-account', '1e2'],
        '--servers-per-account must be a whole number between 1 and',
      ],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run(argv);

      expect(code, argv.join(' ')).toBe(64);
      expect(stderr, argv.join(' ')).toContain(message);
      expect(stderr, argv.join(' ')).toMatch(
        /\(written in decimal(?: digits)?, such as [^;]+; no hex, octal, binary or exponent\)/,
      );
    }
  });

  it('refuses --parallelism above 10000 before anything starts, naming the limit (exit 64, not a failed run)', async () => {
    const dir = tempDir();
    const { code, stderr } = await run(['drill', '--tags', 'DR-Wave=1', '--parallelism', '1000000000'], {
      cwd: dir,
    });

    expect(code).toBe(64);
    expect(stderr).toContain('/options/parallelism (--parallelism)');
    expect(stderr).toContain('10000');
    expect(stderr).toContain('got 1000000000');
    // Nothing started: no world was made.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says an approve endpoint nobody answers on cannot be reached even without AWS credentials (not "no AWS credentials")', async () => {
    const dir = tempDir();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', undefined);

    const { code, stderr } = await run(['approve', EXECUTION, '--endpoint', 'http://127.0.0.1:1'], {
      cwd: dir,
    });

    expect(code).toBe(64);
    expect(stderr).toBe(
      'drs-orch: cannot reach Step Functions at --endpoint http://127.0.0.1:1 (ECONNREFUSED); check the endpoint and that it is running (e.g. drs-orch serve)\n',
    );
  });

  it('says --target sfn and approve found no AWS credentials (exit 64, not 70)', async () => {
    const dir = tempDir();
    // The SDK's default chain reads the process's environment and files: point it at nothing.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', undefined);

    const sfn = await run(
      ['drill', '--tags', 'DR-Wave=1', '--target', 'sfn', '--state-machine-arn', MAIN_ARN, '--quiet'],
      { cwd: dir },
    );
    const approve = await run(['approve', EXECUTION], { cwd: dir });

    expect(sfn.code).toBe(64);
    expect(sfn.stderr).toMatch(/^drs-orch: no AWS credentials for Step Functions in us-east-1 \(/);
    expect(approve.code).toBe(64);
    expect(approve.stderr).toMatch(/^drs-orch: no AWS credentials for Step Functions \(/);
  });

  it('refuses a runbook whose approval topic is in another account before any wave starts', async () => {
    const dir = tempDir();
    const fleet = generateFleet({ accounts: 1, serversPerAccount: 4, seed: 2, singleTestServer: true });
    writeFileSync(join(dir, 'fleet.json'), JSON.stringify(fleet));
    writeFileSync(
      join(dir, 'rb.json'),
      JSON.stringify({
        action: 'drill',
        approval: { topicArn: 'arn:aws:sns:us-east-1:999999999999:approvals', timeoutSeconds: 3600 },
        waves: [
          { name: 'first', tags: { 'DR-Test': 'single' } },
          { name: 'second', tags: { 'DR-Wave': '2' }, approval: true },
        ],
      }),
    );

    const { code, stderr } = await run(
      [
        'runbook',
        'rb.json',
        '--approve',
        'all',
        '--fleet',
        'fleet.json',
        '--state-file',
        'w.json',
        '--quiet',
      ],
      { cwd: dir },
    );

    expect(code).toBe(64);
    expect(stderr).toContain(
      'approval.topicArn arn:aws:sns:us-east-1:999999999999:approvals is in account 999999999999 us-east-1; approvals are published from the orchestrator account 123456789012 in us-east-1',
    );
    // Nothing ran: the saved world holds no DRS job and no report was written.
    const world = loadWorld(join(dir, 'w.json'), 'w.json');
    expect(JSON.stringify(world ?? {})).not.toMatch(/drsjob-/);
    expect(stderr).not.toContain('report:');
  });
});
