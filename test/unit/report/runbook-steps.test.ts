import { describe, expect, it } from 'vitest';
import { runbookStepEntries } from '../../../src/report/runbook-steps.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, s)).toISOString();

describe('Function: runbookStepEntries', () => {
  it('gives each step its times, status and what it did, and a failure its error and attempts', () => {
    expect(
      runbookStepEntries([
        {
          name: 'db-smoke-test',
          kind: 'ssm-command',
          status: 'failed',
          continued: true,
          startedAt: at(0),
          endedAt: at(30),
          attempts: [{}, {}],
          error: { error: 'SsmCommandFailed', cause: 'command c-1 failed on 4 of 4 instances' },
        },
        {
          name: 'dns-cutover',
          kind: 'dns',
          status: 'succeeded',
          startedAt: at(30),
          endedAt: at(60),
          result: {
            hostedZoneId: 'Z1',
            changeId: '/change/C1',
            records: [{ Name: 'app.example.com.', Type: 'A' }],
          },
        },
        {
          name: 'up',
          kind: 'wait',
          status: 'succeeded',
          startedAt: at(60),
          endedAt: at(150),
          result: { healthCheckId: 'hc', checkers: 8, healthy: 8 },
        },
        { kind: 'wait' },
      ]),
    ).toEqual([
      {
        time: at(0),
        endTime: at(30),
        step: 'ssm-command db-smoke-test',
        status: 'failed (continued)',
        detail: 'SsmCommandFailed: command c-1 failed on 4 of 4 instances (after 2 attempts)',
      },
      {
        time: at(30),
        endTime: at(60),
        step: 'dns dns-cutover',
        status: 'succeeded',
        detail: 'app.example.com. A in Z1 (/change/C1 INSYNC)',
      },
      {
        time: at(60),
        endTime: at(150),
        step: 'wait up',
        status: 'succeeded',
        detail: 'health check hc: 8 of 8 checkers healthy',
      },
    ]);
    expect(runbookStepEntries(undefined)).toEqual([]);
  });
});
