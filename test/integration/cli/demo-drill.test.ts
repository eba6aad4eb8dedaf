import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { assertOrchestrationOutput, type OrchestrationOutput } from '../../../src/contract/index.js';
import type { StateSnapshot } from '../../../src/emulator/state.js';
import { fakeIo } from '../../unit/cli/fakes.js';

/** Runs the CLI in-process in `dir` and returns exit code, parsed stdout and stderr. */
async function run(dir: string, argv: string[]) {
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main([...argv, '--state-file', 'world/sim.json'], io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function snapshot(dir: string): Promise<StateSnapshot> {
  return JSON.parse(await readFile(join(dir, 'world/sim.json'), 'utf8')) as StateSnapshot;
}

/** Calls of one operation recorded by the emulator (all accounts). */
function calls(state: StateSnapshot, operation: string): number {
  return state.calls.filter((c) => c.operation === operation).reduce((sum, c) => sum + c.count, 0);
}

const MUTATING = [
  'StartRecovery',
  'TerminateRecoveryInstances',
  'StartFailbackLaunch',
  'ReverseReplication',
  'TagResource',
];

describe('drs-orch on the demo fleet: drill, then status, then terminate from one state file', () => {
  let dir: string;
  let drill: { code: number; stdout: string; stderr: string };
  let drillOutput: OrchestrationOutput;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drs-orch-demo-'));
    drill = await run(dir, ['drill', '--tags', 'DR-Wave=1', '--ticket', 'CHG-1']);
    drillOutput = JSON.parse(drill.stdout) as OrchestrationOutput;
  });

  it('runs a multi-account drill that launches every wave-1 server and prints a valid output', async () => {
    expect(drill.code).toBe(0);
    assertOrchestrationOutput(drillOutput);
    expect(drillOutput.status).toBe('success');
    expect(drillOutput.action).toBe('drill');
    expect(drillOutput.metadata).toMatchObject({ ticketId: 'CHG-1' });
    expect(drillOutput.stagingAccountResults.map((a) => a.accountId).sort()).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
    ]);
    expect(drillOutput.summary.totalServers).toBeGreaterThan(0);
    expect(drillOutput.recoveryInstances).toHaveLength(drillOutput.summary.totalServers);
    expect(drillOutput.recoveryInstances.every((r) => r.status === 'launched' && r.isDrill === true)).toBe(
      true,
    );
    // Progress went to stderr, per account.
    expect(drill.stderr).toContain('started a fresh simulated world (demo fleet)');
    expect(drill.stderr).toMatch(/111111111111 discovered \d+ launching 0 launched \d+ failed 0/);
    const world = await snapshot(dir);
    expect(calls(world, 'StartRecovery')).toBeGreaterThanOrEqual(3);
  });

  it('sees the drill instances with status from the saved world, then terminates them', async () => {
    const status = await run(dir, ['status', '--tags', 'DR-Wave=1', '--quiet']);
    const statusOutput = JSON.parse(status.stdout) as OrchestrationOutput;
    const launched = new Set(drillOutput.recoveryInstances.map((r) => r.recoveryInstanceId));

    const terminate = await run(dir, ['terminate', '--tags', 'DR-Wave=1', '--quiet']);
    const terminateOutput = JSON.parse(terminate.stdout) as OrchestrationOutput;
    const after = await run(dir, ['status', '--tags', 'DR-Wave=1', '--quiet']);
    const afterOutput = JSON.parse(after.stdout) as OrchestrationOutput;

    expect(status.code).toBe(0);
    assertOrchestrationOutput(statusOutput);
    expect(status.stderr).toBe('');
    expect(statusOutput.servers?.filter((s) => launched.has(s.recoveryInstanceId))).toHaveLength(
      launched.size,
    );

    expect(terminate.code).toBe(0);
    assertOrchestrationOutput(terminateOutput);
    expect(terminateOutput.summary.succeeded).toBe(launched.size);

    expect(after.code).toBe(0);
    expect(afterOutput.servers?.filter((s) => s.recoveryInstanceId !== undefined)).toHaveLength(0);
    expect(afterOutput.servers?.every((s) => s.lastLaunch?.status === 'TERMINATED')).toBe(true);
  });
});

describe('drs-orch plan on the demo fleet', () => {
  it('warns per account when the estimated launch time exceeds maxWaitMinutes, and says what fits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-plan-'));

    const slow = await run(dir, ['plan', '--tags', 'DR-Wave=1', '--max-wait', '30', '--quiet']);
    const fast = await run(dir, ['plan', '--tags', 'DR-Wave=1', '--parallelism', 'max', '--quiet']);

    expect(slow.code).toBe(0);
    const warnings = (JSON.parse(slow.stdout) as { warnings?: string[] }).warnings ?? [];
    expect(warnings).toHaveLength(3);
    for (const w of warnings) {
      expect(w).toMatch(
        /^account \d{12}: launching \d+ servers at parallelism 50 takes about \d+ min \(\d+ round\(s\), \d+ job\(s\)\), more than maxWaitMinutes 30: .*raise --max-wait$/,
      );
    }
    expect((JSON.parse(fast.stdout) as { warnings?: string[] }).warnings).toBeUndefined();
  });

  it('shows batches and readiness per account without a single mutating call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-plan-'));

    const plan = await run(dir, ['plan', '--tags', 'DR-Application=HRP', '--parallelism', '30', '--quiet']);
    const report = JSON.parse(plan.stdout) as {
      totalServers: number;
      accounts: {
        accountId: string;
        servers: number;
        ready: number;
        notReady: unknown[];
        batches: number[];
        batchSize: number;
        maxInFlight: number;
        rounds: number;
        jobs: number;
        estimatedMinutes: number;
        estimatedMinutesAtMax: number;
      }[];
      warnings?: string[];
    };
    const world = await snapshot(dir);

    expect(plan.code).toBe(0);
    expect(report.accounts).toHaveLength(3);
    expect(report.accounts.reduce((n, a) => n + a.servers, 0)).toBe(report.totalServers);
    for (const account of report.accounts) {
      expect(account.ready + account.notReady.length).toBe(account.servers);
      // 30 in flight in jobs of 2 (20 concurrent jobs): capacity comes back 2 servers at a time.
      expect(account.maxInFlight).toBe(30);
      expect(account.batchSize).toBe(2);
      // Only the servers the drill would launch are planned (the tasks' own eligibility).
      expect(account.batches.reduce((n, b) => n + b, 0)).toBe(account.ready);
      expect(account.batches.length).toBe(account.jobs);
      expect(account.rounds).toBe(Math.ceil(account.ready / 30));
      expect(account.estimatedMinutes).toBeGreaterThanOrEqual(account.estimatedMinutesAtMax);
    }
    expect(report.warnings).toBeUndefined();
    expect(report.accounts.some((a) => a.notReady.length > 0)).toBe(true);
    for (const op of MUTATING) expect(calls(world, op)).toBe(0);
    expect(calls(world, 'DescribeSourceServers')).toBeGreaterThan(0);
  });
});
