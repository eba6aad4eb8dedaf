/**
 * A waves execution's Step Functions history, shaped as AWS sends it (GetExecutionHistory through
 * the SDK: Date timestamps, `.sync:2` dates in epoch milliseconds, a failed child's description as
 * the Cause), turned into the runbook's evidence by the one function the CLI and the report task call.
 */
import { describe, expect, it } from 'vitest';
import {
  buildEvidence,
  factsOfHistory,
  type HistoryEventLike,
  serversOfOutput,
  timelineOfOutput,
  warningsOfOutput,
} from '../../../src/report/index.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:rb-1';
const MAIN = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main';
const T0 = Date.parse('2025-01-06T09:00:00.000Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

const INPUT = {
  name: 'quarterly drill',
  action: 'drill',
  waves: [
    { name: 'databases', tags: { 'DR-Wave': '1' }, rtoTargetMinutes: 60 },
    { name: 'application', tags: { 'DR-Wave': '2' }, approval: true, rtoTargetMinutes: 60 },
  ],
};

/** A wave's main output (design 3.2), one server, one account with its times and job. */
function mainOutput(server: string, job: string, startMin: number, endMin: number) {
  return {
    status: 'success',
    action: 'drill',
    nextPhaseReady: true,
    summary: { totalServers: 1, succeeded: 1, failed: 0, skipped: 0 },
    recoveryInstances: [
      {
        sourceServerId: server,
        stagingAccountId: '111111111111',
        jobId: job,
        ec2InstanceId: 'i-1',
        status: 'LAUNCHED',
      },
    ],
    failedServers: [],
    stagingAccountResults: [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        status: 'success',
        serversProcessed: 1,
        succeeded: 1,
        failed: 0,
        startTime: at(startMin).toISOString(),
        endTime: at(endMin).toISOString(),
        jobs: [
          {
            jobId: job,
            servers: 1,
            startTime: at(startMin + 1).toISOString(),
            endTime: at(endMin - 1).toISOString(),
          },
        ],
      },
    ],
    metadata: {},
  };
}

/** Wave 1 runs, wave 2 is approved by alice, then its main execution fails. */
const HISTORY: HistoryEventLike[] = [
  { type: 'ExecutionStarted', timestamp: at(0), details: { input: JSON.stringify(INPUT) } },
  { type: 'TaskStateEntered', timestamp: at(0), details: { name: 'RunWave', input: '{}' } },
  {
    type: 'TaskScheduled',
    timestamp: at(0),
    details: { resourceType: 'states', resource: 'startExecution.sync:2' },
  },
  {
    type: 'TaskSubmitted',
    timestamp: at(0),
    details: { output: JSON.stringify({ ExecutionArn: `${MAIN}:w1`, StartDate: T0 }) },
  },
  {
    type: 'TaskSucceeded',
    timestamp: at(40),
    details: {
      output: JSON.stringify({
        ExecutionArn: `${MAIN}:w1`,
        StartDate: T0,
        StopDate: T0 + 40 * 60_000,
        Status: 'SUCCEEDED',
        Output: mainOutput('s-1', 'drsjob-1', 0, 40),
      }),
    },
  },
  { type: 'TaskStateExited', timestamp: at(40), details: { name: 'RunWave', output: '{}' } },
  {
    type: 'TaskStateEntered',
    timestamp: at(41),
    details: { name: 'RequestApproval', input: JSON.stringify({ current: { number: 2 } }) },
  },
  { type: 'TaskSubmitted', timestamp: at(41), details: { output: '{"MessageId":"m-1"}' } },
  {
    type: 'TaskSucceeded',
    timestamp: at(50),
    details: { output: '{"approved":true,"approvedBy":"alice","comment":"go"}' },
  },
  { type: 'TaskStateExited', timestamp: at(50), details: { name: 'RequestApproval', output: '{}' } },
  { type: 'TaskStateEntered', timestamp: at(50), details: { name: 'CheckApproval', input: '{}' } },
  {
    type: 'TaskStateExited',
    timestamp: at(50),
    details: {
      name: 'CheckApproval',
      output: JSON.stringify({
        current: { number: 2, approval: { approved: true, approvedBy: 'alice', comment: 'go' } },
      }),
    },
  },
  { type: 'TaskStateEntered', timestamp: at(50), details: { name: 'RunWave', input: '{}' } },
  {
    type: 'TaskSubmitted',
    timestamp: at(50),
    details: { output: JSON.stringify({ ExecutionArn: `${MAIN}:w2`, StartDate: T0 + 50 * 60_000 }) },
  },
  {
    type: 'TaskFailed',
    timestamp: at(52),
    details: {
      error: 'States.TaskFailed',
      cause: JSON.stringify({
        ExecutionArn: `${MAIN}:w2`,
        StartDate: T0 + 50 * 60_000,
        StopDate: T0 + 52 * 60_000,
        Status: 'FAILED',
        Error: 'ValidationError',
        Cause: 'invalid input: /options/parallelism must be a number or max',
      }),
    },
  },
];

const OUTPUT = {
  status: 'failed',
  action: 'drill',
  totalWaves: 2,
  wavesRun: 1,
  stoppedAtWave: 2,
  waves: {
    wave1: { status: 'success', name: 'databases', approval: { required: false } },
  },
  error: { Error: 'States.TaskFailed', Cause: '...' },
};

/** The evidence as the report task builds it: its history up to its own report state. */
function build(history: readonly HistoryEventLike[]) {
  const report: HistoryEventLike = {
    type: 'TaskStateEntered',
    timestamp: at(53),
    details: { name: 'WriteRunbookReport', input: JSON.stringify(OUTPUT) },
  };
  return buildEvidence({
    kind: 'runbook',
    rootArn: WAVES,
    histories: new Map([[WAVES, [...history, report]]]),
    target: 'sfn',
    generatedAt: at(54).toISOString(),
  });
}

describe('Report: a waves history as AWS sends it', () => {
  it('gives each wave its main execution times, the approval its answer and times (also when the wave then failed), a failed wave its error', () => {
    const s = build(HISTORY);

    expect(
      s.waves.map((w) => [w.name, w.status, w.startTime, w.endTime, w.durationSeconds, w.rtoMet]),
    ).toEqual([
      ['databases', 'success', at(0).toISOString(), at(40).toISOString(), 2400, true],
      ['application', 'failed', at(50).toISOString(), at(52).toISOString(), 120, true],
    ]);
    expect(s.waves[1]?.message).toBe('invalid input: /options/parallelism must be a number or max');
    // Approved, then failed: the output has no result of wave 2, the history has the answer.
    expect(s.waves[1]?.approval).toMatchObject({
      decision: 'approved',
      by: 'alice',
      comment: 'go',
      requestedAt: at(41).toISOString(),
      decidedAt: at(50).toISOString(),
    });
    expect(s.execution).toMatchObject({
      arn: WAVES,
      outcome: 'failed',
      startTime: at(0).toISOString(),
      endTime: at(53).toISOString(),
    });
    expect(s.title).toBe('quarterly drill');
  });

  it('takes accounts and DRS jobs from each wave output, with their own times', () => {
    const s = build(HISTORY);

    expect(s.servers.map((r) => [r.wave, r.sourceServerId, r.jobId])).toEqual([[1, 's-1', 'drsjob-1']]);
    expect(s.accounts).toEqual([
      {
        wave: 1,
        accountId: '111111111111',
        region: 'us-east-2',
        status: 'success',
        startTime: at(0).toISOString(),
        endTime: at(40).toISOString(),
      },
    ]);
    expect(s.jobs).toEqual([
      {
        wave: 1,
        accountId: '111111111111',
        jobId: 'drsjob-1',
        servers: 1,
        startTime: at(1).toISOString(),
        endTime: at(39).toISOString(),
      },
    ]);
  });

  it('records a SendTaskSuccess that CheckApproval read as a "no" as rejected, never approved, with who and why', () => {
    const asked = { ...INPUT, waves: [{ name: 'db', tags: { 'DR-Wave': '1' }, approval: true }] };
    const no: HistoryEventLike[] = [
      { type: 'ExecutionStarted', timestamp: at(0), details: { input: JSON.stringify(asked) } },
      {
        type: 'TaskStateEntered',
        timestamp: at(1),
        details: { name: 'RequestApproval', input: JSON.stringify({ current: { number: 1 } }) },
      },
      { type: 'TaskSucceeded', timestamp: at(3), details: { output: '{"approved":false}' } },
      { type: 'TaskStateExited', timestamp: at(3), details: { name: 'RequestApproval', output: '{}' } },
      { type: 'TaskStateEntered', timestamp: at(3), details: { name: 'CheckApproval', input: '{}' } },
      {
        type: 'TaskStateExited',
        timestamp: at(3),
        details: {
          name: 'CheckApproval',
          output: JSON.stringify({
            current: {
              approval: {
                approved: false,
                cause: JSON.stringify({ rejectedBy: 'carol', comment: 'NOT approved' }),
              },
            },
          }),
        },
      },
    ];
    // The execution is still running (its report is written before its end): no output yet.
    const s = buildEvidence({
      kind: 'runbook',
      rootArn: WAVES,
      histories: new Map([[WAVES, no]]),
      generatedAt: at(4).toISOString(),
    });

    expect(s.waves[0]?.approval).toMatchObject({
      decision: 'rejected',
      by: 'carol',
      comment: 'NOT approved',
    });
  });

  it('takes a rejection answer time from the TaskFailed when no StateExited follows it', () => {
    const rejected: HistoryEventLike[] = [
      HISTORY[0] as HistoryEventLike,
      {
        type: 'TaskStateEntered',
        timestamp: at(1),
        details: { name: 'RequestApproval', input: JSON.stringify({ current: { number: 1 } }) },
      },
      { type: 'TaskFailed', timestamp: at(3), details: { error: 'ApprovalRejected', cause: '{}' } },
      { type: 'PassStateEntered', timestamp: at(3), details: { name: 'ApprovalRejected', input: '{}' } },
    ];
    const facts = factsOfHistory(WAVES, rejected);

    expect(facts.states.map((s) => [s.name, s.entered, s.answered, s.error])).toEqual([
      ['RequestApproval', at(1).toISOString(), at(3).toISOString(), 'ApprovalRejected'],
      ['ApprovalRejected', at(3).toISOString(), undefined, undefined],
    ]);
  });
});

describe('Report: every server of an output, and its warnings beside it', () => {
  const out = {
    recoveryInstances: [
      {
        sourceServerId: 's-1',
        sourceServerHostname: 'web-01',
        stagingAccountId: '111111111111',
        ec2InstanceId: 'i-1',
      },
    ],
    failedServers: [
      {
        sourceServerId: 's-2',
        stagingAccountId: '111111111111',
        errorCode: 'LaunchFailed',
        errorMessage: 'no capacity',
      },
    ],
    skippedServers: [
      {
        sourceServerId: 's-3',
        sourceServerHostname: 'db-01',
        stagingAccountId: '222222222222',
        region: 'us-east-2',
        reasonCode: 'NotLaunched',
        reason: 'an earlier failure stopped the run',
      },
    ],
    warnings: [
      's-1 was launched while its replication was not CONTINUOUS',
      'no source server matched DR-Wave=9',
    ],
    stagingAccountResults: [
      {
        accountId: '111111111111',
        startTime: at(0).toISOString(),
        jobs: [{ jobId: 'drsjob-1', servers: 2, startTime: at(1).toISOString(), adoptedFrom: 'run-before' }],
      },
    ],
  };

  it('lists recovered, failed and skipped servers, a skipped one with its reason code and reason', () => {
    const rows = serversOfOutput(1, out);

    expect(rows.map((r) => [r.sourceServerId, r.outcome, r.reason, r.accountId])).toEqual([
      ['s-1', 'succeeded', undefined, '111111111111'],
      ['s-2', 'failed', 'LaunchFailed: no capacity', '111111111111'],
      ['s-3', 'skipped', 'NotLaunched: an earlier failure stopped the run', '222222222222'],
    ]);
    expect(rows[2]).toMatchObject({ name: 'db-01', region: 'us-east-2' });
  });

  it('links each warning to the servers it names, and keeps a job taken over from another run with its correlation id', () => {
    const rows = serversOfOutput(1, out);

    expect(warningsOfOutput(1, out, rows)).toEqual([
      {
        wave: 1,
        text: 's-1 was launched while its replication was not CONTINUOUS',
        sourceServerIds: ['s-1'],
      },
      { wave: 1, text: 'no source server matched DR-Wave=9', sourceServerIds: [] },
    ]);
    expect(timelineOfOutput(1, out).jobs).toEqual([
      {
        wave: 1,
        accountId: '111111111111',
        jobId: 'drsjob-1',
        servers: 2,
        startTime: at(1).toISOString(),
        adoptedFrom: 'run-before',
      },
    ]);
  });
});

describe('Report: the step log shows each DRS job with the job log items the run kept', () => {
  /** Wave 1's history whose job carries `logEvents` and one server flagged usedPreviousSnapshot. */
  function withJobLog(job: Record<string, unknown>, flagged: boolean): HistoryEventLike[] {
    const output = mainOutput('s-1', 'drsjob-1', 0, 40);
    const account = output.stagingAccountResults[0] as { jobs: Record<string, unknown>[] };
    account.jobs = [{ ...account.jobs[0], ...job }];
    if (flagged) Object.assign(output.recoveryInstances[0] as object, { usedPreviousSnapshot: true });
    return HISTORY.map((e) =>
      e.type === 'TaskSucceeded' && e.timestamp === HISTORY[4]?.timestamp
        ? {
            ...e,
            details: {
              output: JSON.stringify({
                ExecutionArn: `${MAIN}:w1`,
                StartDate: T0,
                StopDate: T0 + 40 * 60_000,
                Status: 'SUCCEEDED',
                Output: output,
              }),
            },
          }
        : e,
    );
  }
  const jobSteps = (history: HistoryEventLike[]) =>
    (build(history).waves[0]?.steps ?? []).filter((s) => s.step.startsWith('drs job'));

  it("lists each kept item at DRS's own time with its job id and server, and counts them on the job's step", () => {
    const steps = jobSteps(
      withJobLog(
        {
          logEvents: [
            { event: 'USING_PREVIOUS_SNAPSHOT', time: '2025-01-06T09:01:13.000Z', sourceServerID: 's-1' },
            { event: 'LAUNCH_FAILED', time: '2025-01-06T09:20:00.000Z', sourceServerID: 's-2' },
          ],
          logEventsOmitted: 3,
        },
        true,
      ),
    );
    expect(steps).toEqual([
      expect.objectContaining({
        step: 'drs job drsjob-1',
        detail:
          '111111111111: 1 server, USING_PREVIOUS_SNAPSHOT: 1, LAUNCH_FAILED: 1, 3 more job log items not kept',
      }),
      {
        time: '2025-01-06T09:01:13.000Z',
        step: 'drs job drsjob-1 USING_PREVIOUS_SNAPSHOT',
        status: 'warning',
        detail: '111111111111: source server s-1',
      },
      {
        time: '2025-01-06T09:20:00.000Z',
        step: 'drs job drsjob-1 LAUNCH_FAILED',
        status: 'failed',
        detail: '111111111111: source server s-2',
      },
    ]);
  });

  it('never infers USING_PREVIOUS_SNAPSHOT from the servers: a job whose log kept nothing shows nothing', () => {
    const steps = jobSteps(withJobLog({}, true));
    expect(steps.map((s) => s.step)).toEqual(['drs job drsjob-1']);
    expect(steps[0]?.detail).toBe('111111111111: 1 server');
  });
});
