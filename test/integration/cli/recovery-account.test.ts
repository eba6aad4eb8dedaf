/**
 * The one-recovery-account topology through the CLI (issue 22): a fleet generated with
 * `--recovery-account`, its servers extended with `drs-orch extend` (twice: the second run creates
 * nothing), then `drs-orch drill` recovers them in the target account, all from one state file.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { assertOrchestrationOutput, type OrchestrationOutput } from '../../../src/contract/index.js';
import type { Fleet } from '../../../src/emulator/fleet/types.js';
import type { ExtendResult } from '../../../src/tasks/extend.js';
import { fakeIo } from '../../unit/cli/fakes.js';

const TARGET = '999999999999';
const STAGING = ['111111111111', '222222222222', '333333333333'];

/** Runs the CLI in-process in `dir`; returns exit code, stdout and stderr. */
async function cli(dir: string, argv: string[]) {
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('drs-orch: one recovery account, from fleet generate to a drill in the target account', () => {
  let dir: string;
  const world = ['--fleet', 'fleet.json', '--state-file', 'world/sim.json'];
  type Run = Awaited<ReturnType<typeof cli>>;
  let gen: Run;
  let run1: Run;
  let run2: Run;
  let drill: Run;
  let first: ExtendResult;

  // One story in order (the tests run shuffled): generate, extend twice, drill, from one state file.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drs-orch-recovery-account-'));
    gen = await cli(dir, [
      'fleet',
      'generate',
      '--accounts',
      '3',
      '--servers-per-account',
      '4',
      '--recovery-account',
      TARGET,
      '-o',
      'fleet.json',
    ]);
    run1 = await cli(dir, ['extend', '--tags', 'DR-Enabled=true', ...world]);
    run2 = await cli(dir, ['extend', '--tags', 'DR-Enabled=true', ...world, '--quiet']);
    drill = await cli(dir, ['drill', '--tags', 'DR-Enabled=true', ...world, '--quiet']);
    first = JSON.parse(run1.stdout) as ExtendResult;
  });

  it('generates a fleet whose registry names the recovery account, with no server extended yet', async () => {
    const fleet = JSON.parse(await readFile(join(dir, 'fleet.json'), 'utf8')) as Fleet;
    const recovery = fleet.accounts.find((a) => a.accountId === TARGET);
    const entries = (fleet.accounts.find((a) => a.name === 'orchestrator')?.ssmParameters ?? []).map(
      (p) => JSON.parse(p.value) as { accountId: string; recoveryAccount?: { accountId: string } },
    );

    expect(gen.code).toBe(0);
    expect(gen.stderr).toContain(`recovering into account ${TARGET} once extended`);
    expect(recovery).toBeDefined();
    expect(recovery?.extendedFrom).toBeUndefined();
    expect(entries.map((e) => [e.accountId, e.recoveryAccount?.accountId])).toEqual(
      STAGING.map((id) => [id, TARGET]),
    );
  });

  it('extends every selected server into the target account, then a second run creates nothing', () => {
    const second = JSON.parse(run2.stdout) as ExtendResult;

    expect(run1.code).toBe(0);
    expect(first.status).toBe('success');
    expect(first.totalServers).toBeGreaterThan(0);
    expect(first.servers.every((s) => s.outcome === 'extended' && s.recoveryAccountId === TARGET)).toBe(true);
    expect(new Set(first.servers.map((s) => s.stagingAccountId))).toEqual(new Set(STAGING));
    expect(first.targets).toMatchObject([
      { accountId: TARGET, extended: first.totalServers, alreadyExtended: 0, notExtended: 0 },
    ]);
    expect(run1.stderr).toContain(`extend success: ${first.totalServers} extended, 0 already extended`);
    expect(run2.code).toBe(0);
    expect(run2.stderr).toBe('');
    expect(second.status).toBe('success');
    expect(second.targets).toMatchObject([
      {
        accountId: TARGET,
        extended: 0,
        alreadyExtended: first.totalServers,
        sourceServers: first.totalServers,
      },
    ]);
    expect(second.servers.map((s) => [s.stagingSourceServerId, s.outcome, s.sourceServerId])).toEqual(
      first.servers.map((s) => [s.stagingSourceServerId, 'already-extended', s.sourceServerId]),
    );
  });

  it('drills the extended servers with every recovery instance in the target account', () => {
    const out = JSON.parse(drill.stdout) as OrchestrationOutput;

    expect(drill.code).toBe(0);
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary).toMatchObject({ totalServers: first.totalServers, succeeded: first.totalServers });
    expect(out.recoveryInstances).toHaveLength(first.totalServers);
    expect(out.recoveryInstances.every((r) => r.isDrill && r.recoveryAccountId === TARGET)).toBe(true);
    // Each instance is the extended server's, and says where its server replicates.
    const extended = new Map(first.servers.map((s) => [s.sourceServerId, s.stagingAccountId]));
    expect(out.recoveryInstances.map((r) => [r.sourceServerId, r.stagingAccountId]).sort()).toEqual(
      [...extended.entries()].sort(),
    );
  });

  it('refuses extend without --tags, and on --target sfn, as usage errors naming the flag (exit 64)', async () => {
    const noTags = await cli(dir, ['extend', ...world]);
    const sfn = await cli(dir, ['extend', '--tags', 'A=1', '--target', 'sfn']);

    expect(noTags.code).toBe(64);
    expect(noTags.stderr).toBe(
      'drs-orch: extend: --tags K=V is required: it selects the source servers to extend\n',
    );
    expect(sfn.code).toBe(64);
    expect(sfn.stderr).toBe(
      'drs-orch: extend runs locally, against the accounts themselves; use --target sim or --target aws\n',
    );
  });

  it('refuses a --recovery-account that is not an account ID, or is a staging account, naming the flag', async () => {
    const gen = (value: string) =>
      cli(dir, [
        'fleet',
        'generate',
        '--accounts',
        '3',
        '--servers-per-account',
        '1',
        '--recovery-account',
        value,
      ]);
    const short = await gen('12');
    const staging = await gen('222222222222');
    const extendedAlone = await cli(dir, [
      'fleet',
      'generate',
      '--accounts',
      '1',
      '--servers-per-account',
      '1',
      '--extended',
    ]);

    expect([short.code, staging.code, extendedAlone.code]).toEqual([64, 64, 64]);
    expect(short.stderr).toBe('drs-orch: --recovery-account must be a 12-digit AWS account ID, got "12"\n');
    expect(staging.stderr).toContain(
      '--recovery-account 222222222222 is staging account 2 of the generated fleet',
    );
    expect(extendedAlone.stderr).toContain('--extended applies to a --recovery-account');
  });
});
