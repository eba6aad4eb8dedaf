/**
 * Fakes for driving `main()` in-process: captured streams, a scripted session, a sample output.
 */

import type { CliDeps } from '../../../src/cli/main.js';
import type { RunInvocation, ServeInvocation } from '../../../src/cli/program.js';
import type { ExecutionRef, PlanReport, RunOutcome, Session } from '../../../src/cli/session.js';
import type { OrchestrationOutput } from '../../../src/contract/index.js';
import type { HistoryEventLike } from '../../../src/report/index.js';

/** A writable that keeps what was written. */
export class Capture {
  text = '';
  readonly isTTY: boolean;
  readonly columns = 120;
  readonly rows = 40;
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Fake io for `main()`. */
export function fakeIo(
  opts: { stdin?: string; isTTY?: boolean; env?: Record<string, string>; cwd?: string } = {},
) {
  const stdout = new Capture();
  const stderr = new Capture(opts.isTTY ?? false);
  async function* stdin() {
    if (opts.stdin !== undefined) yield opts.stdin;
  }
  return {
    stdout,
    stderr,
    io: {
      stdout,
      stderr,
      stdin: stdin(),
      env: opts.env ?? {},
      isTTY: opts.isTTY ?? false,
      ...(opts.cwd !== undefined && { cwd: opts.cwd }),
    },
  };
}

/** A design-3.2 output with the given status. */
export function sampleOutput(status: OrchestrationOutput['status'] = 'success'): OrchestrationOutput {
  return {
    status,
    action: 'drill',
    summary: {
      totalServers: 3,
      succeeded: status === 'success' ? 3 : 2,
      failed: status === 'success' ? 0 : 1,
      skipped: 0,
    },
    timing: {
      startTime: '2025-01-06T09:00:00.000Z',
      endTime: '2025-01-06T09:25:30.000Z',
      durationSeconds: 1530,
      durationFormatted: 'PT25M30S',
    },
    recoveryInstances: [
      {
        sourceServerId: 's-00000000000000001',
        stagingAccountId: '111111111111',
        status: 'launched',
        recoveryInstanceId: 'i-0123456789abcdef0',
      },
    ],
    failedServers:
      status === 'success'
        ? []
        : [
            {
              sourceServerId: 's-00000000000000003',
              sourceServerHostname: 'hrp-db-03',
              stagingAccountId: '222222222222',
              errorCode: 'LaunchFailed',
              errorMessage: 'launch failed: conversion error',
            },
          ],
    stagingAccountResults: [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        status: 'success',
        serversProcessed: 2,
        succeeded: 2,
        failed: 0,
        jobIds: ['drsjob-00000000000000001'],
      },
      {
        accountId: '222222222222',
        region: 'us-east-2',
        status: status === 'success' ? 'success' : status,
        serversProcessed: 1,
        succeeded: status === 'success' ? 1 : 0,
        failed: status === 'success' ? 0 : 1,
        jobIds: ['drsjob-00000000000000002'],
      },
    ],
    metadata: {},
    nextPhaseReady: status === 'success',
  };
}

/** What a fake session was asked to do. */
export interface FakeCalls {
  opened: RunInvocation[];
  runs: Record<string, unknown>[];
  plans: Record<string, unknown>[];
  closed: number;
  served: ServeInvocation[];
}

/** Deps whose session answers with `outcome` (or throws it) and emits `events` first. */
export function fakeDeps(
  outcome: RunOutcome | Error = { status: 'SUCCEEDED', output: sampleOutput() },
  opts: { events?: [ExecutionRef, HistoryEventLike][]; plan?: PlanReport; openError?: Error } = {},
): { deps: CliDeps; calls: FakeCalls } {
  const calls: FakeCalls = { opened: [], runs: [], plans: [], closed: 0, served: [] };
  const deps: CliDeps = {
    async openSession(invocation) {
      calls.opened.push(invocation);
      if (opts.openError) throw opts.openError;
      const session: Session = {
        label: 'fake',
        now: () => new Date('2025-01-06T09:00:00Z'),
        async run(input, progress) {
          calls.runs.push(input);
          for (const [x, e] of opts.events ?? []) progress.onEvent(x, e);
          if (outcome instanceof Error) throw outcome;
          return outcome;
        },
        async plan(input) {
          calls.plans.push(input);
          if (!opts.plan) throw new Error('no plan scripted');
          return opts.plan;
        },
        async close() {
          calls.closed++;
        },
      };
      return session;
    },
    async serve(invocation) {
      calls.served.push(invocation);
      return 0;
    },
  };
  return { deps, calls };
}
