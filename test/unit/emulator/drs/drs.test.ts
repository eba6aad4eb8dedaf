import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../../../src/emulator/faults.js';
import { generateFleet } from '../../../../src/emulator/fleet/generate.js';
import { DrsAccount } from '../../../../src/emulator/services/drs/account.js';
import { drsModel, type FieldProblem, validateShape } from '../../../../src/emulator/services/drs/model.js';
import { drsStateOf } from '../../../../src/emulator/services/drs/seed.js';
import { isoDuration, recoverySnapshots } from '../../../../src/emulator/services/drs/serialize.js';

const START = Date.parse('2025-01-06T09:00:00Z');

function account(faults = new FaultEngine()) {
  const fleet = generateFleet({ seed: 2, accounts: 1, serversPerAccount: 30 });
  const spec = fleet.accounts[1];
  if (!spec) throw new Error('no staging account');
  return new DrsAccount(drsStateOf(spec, 2, START), faults);
}

describe('Function: isoDuration', () => {
  it('renders ISO-8601 durations', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(42)).toBe('PT42S');
    expect(isoDuration(3_661)).toBe('PT1H1M1S');
    expect(isoDuration(86_400 * 3)).toBe('P3D');
    expect(isoDuration(86_400 + 60)).toBe('P1DT1M');
  });
});

describe('Function: validateShape', () => {
  it('reports every broken constraint with its path', () => {
    const problems: FieldProblem[] = [];

    validateShape(
      drsModel,
      'StartRecoveryRequest',
      { sourceServers: [{ sourceServerID: 's-1' }, {}], isDrill: 'yes' },
      '',
      problems,
    );

    expect(problems.map((p) => p.name)).toEqual([
      'sourceServers.0.sourceServerID',
      'sourceServers.0.sourceServerID',
      'sourceServers.1.sourceServerID',
      'isDrill',
    ]);
  });

  it('accepts a valid request', () => {
    const problems: FieldProblem[] = [];

    validateShape(
      drsModel,
      'DescribeJobsRequest',
      { filters: { jobIDs: ['drsjob-abcdefghij0123456'], fromDate: '2025-01-01T00:00:00Z' }, maxResults: 5 },
      '',
      problems,
    );

    expect(problems).toEqual([]);
  });
});

describe('Class: DrsAccount', () => {
  it('derives job and server status from the clock without ticking', () => {
    const a = account();
    const ids = a
      .servers()
      .filter((s) => s.replicationState === 'CONTINUOUS')
      .slice(0, 4)
      .map((s) => ({ sourceServerID: s.sourceServerID }));
    const job = a.planLaunch(ids, true, {}, START);
    a.addJob(job);

    const statuses = [0, 60_000, 50 * 60_000].map((dt) => a.jobStatus(job, START + dt));
    a.settle(START + 50 * 60_000);

    expect(statuses).toEqual(['PENDING', 'STARTED', 'COMPLETED']);
    expect(
      job.servers.every(
        (p) => p.endMs !== null && p.endMs - p.startMs >= 4 * 60_000 && p.endMs - p.startMs <= 45 * 60_000,
      ),
    ).toBe(true);
    expect(a.instances()).toHaveLength(4);
  });

  it('replaces a server recovery instance on relaunch', () => {
    const a = account();
    const id = a.servers()[0]?.sourceServerID as string;
    a.addJob(a.planLaunch([{ sourceServerID: id }], true, {}, START));
    a.settle(START + 3_600_000);
    const firstInstance = a.server(id)?.recoveryInstanceID;

    a.addJob(a.planLaunch([{ sourceServerID: id }], true, {}, START + 3_600_000));
    a.settle(START + 7_200_000);

    expect(a.instances()).toHaveLength(1);
    expect(a.server(id)?.recoveryInstanceID).not.toBe(firstInstance);
  });

  it('keeps snapshots from before a replication stall only', () => {
    const faults = new FaultEngine({
      stalledReplication: [{ sourceServerID: 's-0000000000000000x', at: '2025-01-06T06:00:00Z' }],
    });
    const a = account(faults);
    const server = a.servers()[0];
    if (!server) throw new Error('no server');
    server.sourceServerID = 's-0000000000000000x';

    const snaps = recoverySnapshots(a, server, START);

    expect(snaps.length).toBeGreaterThan(10);
    expect(Math.max(...snaps.map((s) => s.timestampMs))).toBeLessThanOrEqual(
      Date.parse('2025-01-06T06:00:00Z'),
    );
  });
});
