/**
 * Nothing silent (issue 20, item 3): a tag typo, a scope the caller stated and a runbook wave that
 * matches nothing, through the real `drs-orch` entry on the demo fleet. Each one is loud on stderr
 * and in the result, and ends with the exit code the README documents.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { assertOrchestrationOutput, type OrchestrationOutput } from '../../../src/contract/index.js';
import type { StateSnapshot } from '../../../src/emulator/state.js';
import { fakeIo } from '../../unit/cli/fakes.js';

/** Runs the CLI in-process in `dir` against its own simulated world. */
async function run(dir: string, argv: string[]) {
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main([...argv, '--state-file', 'sim.json'], io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function calls(dir: string, operation: string): Promise<number> {
  const state = JSON.parse(await readFile(join(dir, 'sim.json'), 'utf8')) as StateSnapshot;
  return state.calls.filter((c) => c.operation === operation).reduce((sum, c) => sum + c.count, 0);
}

describe('drs-orch says what matched nothing, and fails a stated scope that does not hold', () => {
  it('a failover whose tag value is a typo (DR-Wave=01) succeeds as the design says, but says so on stderr, in warnings and in the message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));

    const r = await run(dir, ['failover', '--tags', 'DR-Wave=01']);
    const out = JSON.parse(r.stdout) as OrchestrationOutput;

    expect(r.code).toBe(0);
    assertOrchestrationOutput(out);
    expect(out).toMatchObject({ status: 'success', nextPhaseReady: true, summary: { totalServers: 0 } });
    const warning = out.warnings?.[0] ?? '';
    expect(warning).toMatch(
      /^no source server matched DR-Wave=01 in 3 staging account\(s\); tag keys that exist: .*DR-Wave/,
    );
    expect(out.message).toContain(warning);
    expect(r.stderr).toContain(`warning: ${warning}\n`);
    expect(r.stderr).toContain('failover success: no source server matched · exit 0\n');
    expect(await calls(dir, 'StartRecovery')).toBe(0);

    const quiet = await run(dir, ['failover', '--tags', 'DR-Wave=01', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('expectedServers that differs from what the tags match fails with ServerCountMismatch before anything starts (exit 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));

    const typo = await run(dir, ['failover', '--tags', 'DR-Wave=01', '--expected-servers', '3']);
    const wrong = await run(dir, ['drill', '--tags', 'DR-Test=single', '--expected-servers', '2']);
    const typoOut = JSON.parse(typo.stdout) as OrchestrationOutput;
    const wrongOut = JSON.parse(wrong.stdout) as OrchestrationOutput;

    for (const [r, out] of [
      [typo, typoOut],
      [wrong, wrongOut],
    ] as const) {
      expect(r.code).toBe(3);
      assertOrchestrationOutput(out);
      expect(out.status).toBe('failed');
      expect(out.nextPhaseReady).toBe(false);
      expect(out.error?.code).toBe('ServerCountMismatch');
      expect(r.stderr).toContain(`error: ServerCountMismatch: ${out.error?.message ?? ''}\n`);
    }
    expect(typoOut.error?.message).toMatch(
      /^expected 3 source server\(s\) for DR-Wave=01, matched 0 in 3 staging account\(s\); tag keys that exist: .*DR-Wave.*; nothing was started$/,
    );
    expect(wrongOut.error?.message).toBe(
      'expected 2 source server(s) for DR-Test=single, matched 1 in 3 staging account(s); nothing was started',
    );
    expect(await calls(dir, 'StartRecovery')).toBe(0);

    const right = await run(dir, ['drill', '--tags', 'DR-Test=single', '--expected-servers', '1', '--quiet']);
    expect(right.code).toBe(0);
    expect((JSON.parse(right.stdout) as OrchestrationOutput).summary.succeeded).toBe(1);
  });

  it('plan says on stderr and in its warnings that the tags match nothing and that the run would fail its expectedServers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));

    const r = await run(dir, ['plan', 'failover', '--tags', 'DR-Wave=01', '--expected-servers', '4']);
    const plan = JSON.parse(r.stdout) as { totalServers: number; warnings?: string[] };

    expect(r.code).toBe(0);
    expect(plan.totalServers).toBe(0);
    expect(plan.warnings).toEqual([
      'expectedServers is 4 but the tags match 0: the run would fail with ServerCountMismatch before anything starts',
      expect.stringMatching(
        /^no source server matched DR-Wave=01 in 3 staging account\(s\); tag keys that exist: /,
      ),
    ]);
    for (const w of plan.warnings ?? []) expect(r.stderr).toContain(`warning: ${w}\n`);
  });

  it('refuses --expected-servers that is not a whole number as a usage error naming the flag (exit 64)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));

    const r = await run(dir, ['drill', '--tags', 'DR-Test=single', '--expected-servers', 'some']);

    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--expected-servers');
  });

  it('a three-wave runbook whose middle wave matches nothing ends partial (exit 2); success when that wave allows being empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));
    const waves = (allowEmpty: boolean) =>
      JSON.stringify({
        name: 'three waves',
        action: 'status',
        waves: [
          { name: 'db', tags: { 'DR-Test': 'single' } },
          { name: 'app', tags: { 'DR-Application': 'HPR' }, ...(allowEmpty && { allowEmpty: true }) },
          { name: 'web', tags: { 'DR-Test': 'single' } },
        ],
      });
    await writeFile(join(dir, 'typo.json'), waves(false));
    await writeFile(join(dir, 'allowed.json'), waves(true));

    const typo = await run(dir, ['runbook', 'typo.json']);
    const allowed = await run(dir, ['runbook', 'allowed.json']);
    const typoOut = JSON.parse(typo.stdout) as Record<string, unknown>;
    const allowedOut = JSON.parse(allowed.stdout) as Record<string, unknown>;

    expect(typo.code).toBe(2);
    expect(typoOut).toMatchObject({
      status: 'partial',
      wavesRun: 3,
      reason: 'a wave ended partial, or matched no source server without allowEmpty: true',
      waves: { wave2: { status: 'success', summary: { totalServers: 0 } } },
    });
    expect(typo.stderr).toContain(
      'warning: wave 2 (app) matched no source server for DR-Application=HPR; the runbook cannot end success',
    );
    // The wave's own result speaks too, next to its wave.
    expect(typo.stderr).toMatch(
      /wave 2 \(app\): warning: no source server matched DR-Application=HPR in 3 staging account\(s\); tag keys that exist: /,
    );
    expect(allowed.code).toBe(0);
    expect(allowedOut).toMatchObject({ status: 'success', wavesRun: 3 });
    expect(allowed.stderr).toContain(
      'warning: wave 2 (app) matched no source server for DR-Application=HPR (allowEmpty: true',
    );
  });

  it('a runbook wave with expectedServers stops the runbook at that wave with ServerCountMismatch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));
    await writeFile(
      join(dir, 'scoped.json'),
      JSON.stringify({
        action: 'status',
        waves: [
          { name: 'db', tags: { 'DR-Test': 'single' }, expectedServers: 1 },
          { name: 'app', tags: { 'DR-Test': 'single' }, expectedServers: 4 },
          { name: 'web', tags: { 'DR-Test': 'single' } },
        ],
      }),
    );

    const r = await run(dir, ['runbook', 'scoped.json']);
    const out = JSON.parse(r.stdout) as {
      status: string;
      stoppedAtWave: number;
      lastWaveOutput: OrchestrationOutput;
    };

    expect(r.code).toBe(3);
    expect(out.status).toBe('stopped');
    expect(out.stoppedAtWave).toBe(2);
    expect(out.lastWaveOutput.error?.code).toBe('ServerCountMismatch');
  });
});

describe('drs-orch accounts for every matched server', () => {
  it('a wave-2 drill stopped by a failure names the 55 servers it skipped, why, in the result and on stderr (100 + 1 + 55 = 156)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-silent-'));

    const r = await run(dir, ['drill', '--tags', 'DR-Wave=2']);
    const out = JSON.parse(r.stdout) as OrchestrationOutput;

    expect(r.code).toBe(3);
    assertOrchestrationOutput(out);
    const s = out.summary;
    expect(s).toMatchObject({ totalServers: 156, succeeded: 100, failed: 1, skipped: 55 });
    expect(s.succeeded + s.failed + (s.timedOut ?? 0) + s.skipped).toBe(s.totalServers);
    expect(out.skippedServers).toHaveLength(55);
    expect(new Set(out.skippedServers?.map((k) => k.reasonCode))).toEqual(new Set(['NotLaunched']));
    expect(
      out.skippedServers?.every((k) => k.region !== undefined && k.sourceServerHostname !== undefined),
    ).toBe(true);
    const failed = out.failedServers[0];
    expect(r.stderr).toContain(
      `failed: ${failed?.sourceServerId} (${failed?.sourceServerHostname}, account ${failed?.stagingAccountId}): ${failed?.errorCode}: `,
    );
    const first = out.skippedServers?.[0];
    expect(r.stderr).toContain(
      `skipped: ${first?.sourceServerId} (${first?.sourceServerHostname}, account ${first?.stagingAccountId}): NotLaunched: not launched: an earlier failure stopped the run (continueOnFailure is false)\n`,
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('skipped: '))).toHaveLength(20);
    expect(r.stderr).toContain('... and 35 more skipped servers (see skippedServers in the JSON result)\n');
    expect(r.stderr).toContain('drill failed: 100 of 156 succeeded, 1 failed, 55 skipped · exit 3\n');
  });
});
