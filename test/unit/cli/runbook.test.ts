import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  approvalAnswer,
  createApprovalDecider,
  preApproved,
  waveOfRequest,
} from '../../../src/cli/approvals.js';
import { pendingToken } from '../../../src/cli/approve.js';
import { main } from '../../../src/cli/main.js';
import { writeReport } from '../../../src/cli/reports.js';
import { exitCodeForWaves } from '../../../src/cli/runbook.js';
import { approvalVerdict } from '../../../src/contract/approval.js';
import { buildEvidence } from '../../../src/report/index.js';
import { Capture, fakeIo } from './fakes.js';

describe("runbook exit codes (the single actions')", () => {
  it("maps the waves output: partial anywhere is 2, a stop takes the stopping wave's status, rejected is 3, timeout 4", () => {
    expect(exitCodeForWaves({ status: 'success', waves: { wave1: { status: 'success' } } })).toBe(0);
    expect(exitCodeForWaves({ status: 'success', waves: { wave1: { status: 'partial' } } })).toBe(2);
    expect(
      exitCodeForWaves({ status: 'stopped', stoppedAtWave: 2, waves: { wave2: { status: 'failed' } } }),
    ).toBe(3);
    expect(
      exitCodeForWaves({ status: 'stopped', stoppedAtWave: 1, waves: { wave1: { status: 'timeout' } } }),
    ).toBe(4);
    expect(
      exitCodeForWaves({ status: 'stopped', stoppedAtWave: 1, waves: { wave1: { status: 'partial' } } }),
    ).toBe(2);
    expect(exitCodeForWaves({ status: 'partial', waves: { wave1: { status: 'partial' } } })).toBe(2);
    expect(exitCodeForWaves({ status: 'rejected' })).toBe(3);
    expect(exitCodeForWaves({ status: 'timeout' })).toBe(4);
    expect(exitCodeForWaves({ status: 'failed' })).toBe(3);
  });
});

describe('approvals', () => {
  const request = {
    token: 't',
    executionArn: 'arn',
    stateName: 'RequestApproval',
    topicArn: 'topic',
    subject: 'DRS orchestration: approve wave 2 of 3 (app tier, drill)',
    message: 'm',
  };

  it('reads the wave from the approval subject and pre-approves it by name (any case), number or all', () => {
    const wave = waveOfRequest(request);
    expect(wave).toEqual({ number: 2, name: 'app tier' });
    expect(preApproved(['APP TIER'], wave)).toBe(true);
    expect(preApproved(['2'], wave)).toBe(true);
    expect(preApproved(['all'], wave)).toBe(true);
    expect(preApproved(['db', '3'], wave)).toBe(false);
  });

  it('records who, when and why: in the task output when approved, in the cause when rejected', () => {
    const at = new Date('2025-01-06T09:00:00Z');
    expect(approvalAnswer({ approve: true, comment: 'go' }, 'alice', at)).toEqual({
      kind: 'success',
      output: { approved: true, approvedBy: 'alice', at: '2025-01-06T09:00:00.000Z', comment: 'go' },
    });
    const rejected = approvalAnswer({ approve: false, comment: 'freeze' }, 'bob', at);
    expect(rejected).toMatchObject({ kind: 'failure', error: 'ApprovalRejected' });
    expect(JSON.parse((rejected as { cause: string }).cause)).toEqual({
      rejectedBy: 'bob',
      at: '2025-01-06T09:00:00.000Z',
      comment: 'freeze',
    });
  });

  it('sends only answers the workflow reads as approved (the one approval schema), and refuses a comment over its limit before sending', async () => {
    const at = new Date('2025-01-06T09:00:00Z');
    const answer = approvalAnswer({ approve: true, comment: 'go' }, 'alice@ops', at);
    expect(answer.kind).toBe('success');
    expect(approvalVerdict((answer as { output: unknown }).output)).toMatchObject({ approved: true });
    expect(() => approvalAnswer({ approve: true, comment: 'x'.repeat(4097) }, 'alice', at)).toThrow(
      /\/comment must be at most 4096 characters, got 4097/,
    );
    const io = fakeIo({});
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:rb-1';
    // Refused before any AWS call: the endpoint is never contacted.
    expect(
      await main(['approve', arn, '--comment', 'y'.repeat(5000), '--endpoint', 'http://127.0.0.1:9'], io.io),
    ).toBe(64);
    expect(io.stderr.text).toContain('/comment must be at most 4096 characters, got 5000');
  });

  it('rejects, by drs-orch and saying why, a wave whose terminal closes before an answer (never waits forever)', async () => {
    const at = new Date('2025-01-06T09:00:00Z');
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = new Capture(true);
    const decide = createApprovalDecider({
      io: { stdout: new Capture(), stderr, stdin, env: {}, isTTY: true },
      approve: [],
      operator: 'alice',
      now: () => at,
      interactive: true,
    });

    const answer = decide(request, new AbortController().signal);
    setImmediate(() => stdin.end());

    const given = await answer;
    expect(stderr.text).toContain('Approve this wave?');
    expect(given).toMatchObject({ kind: 'failure', error: 'ApprovalRejected' });
    expect(JSON.parse((given as { cause: string }).cause)).toEqual({
      rejectedBy: 'drs-orch',
      at: '2025-01-06T09:00:00.000Z',
      comment: 'the terminal closed (end of input) before an answer on wave app tier',
    });
  });

  it('finds the token of the approval still waiting in a history, and none once it was answered', () => {
    const scheduled = (id: number, token: string) => ({
      id,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'sns',
        resource: 'publish.waitForTaskToken',
        region: 'us-east-1',
        parameters: JSON.stringify({
          MessageAttributes: { TaskToken: { DataType: 'String', StringValue: token } },
        }),
      },
    });
    const answered = (id: number) => ({
      id,
      type: 'TaskSucceeded',
      taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken' },
    });
    expect(pendingToken([scheduled(3, 'first'), answered(5), scheduled(9, 'second')] as never)).toBe(
      'second',
    );
    expect(pendingToken([scheduled(3, 'first'), answered(5)] as never)).toBeUndefined();
    expect(pendingToken([] as never)).toBeUndefined();
  });
});

describe('drs-orch report', () => {
  async function withReport() {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-report-'));
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-7';
    const source = buildEvidence({
      kind: 'action',
      rootArn: arn,
      histories: new Map([
        [
          arn,
          [
            {
              type: 'ExecutionStarted',
              timestamp: '2025-01-06T09:00:00.000Z',
              details: { input: '{"action":"drill"}' },
            },
            {
              type: 'ExecutionSucceeded',
              timestamp: '2025-01-06T09:30:00.000Z',
              details: { output: '{"status":"success"}' },
            },
          ],
        ],
      ]),
      target: 'sim',
      generatedAt: '2025-01-06T09:31:00.000Z',
    });
    const written = await writeReport(source, dir);
    return { dir, written };
  }

  it('lists the reports, and re-renders one from its JSON by execution name or ARN', async () => {
    const { dir, written } = await withReport();
    const list = fakeIo({ cwd: dir });
    expect(await main(['report'], list.io)).toBe(0);
    expect(list.stdout.text).toContain('success');
    expect(list.stdout.text).toContain('.drs-orch/reports/run-7.html');

    const one = fakeIo({ cwd: dir });
    expect(
      await main(
        ['report', 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-7'],
        one.io,
      ),
    ).toBe(0);
    expect(one.stdout.text.trim()).toBe('.drs-orch/reports/run-7.html');
    expect(one.stderr.text).toContain(`sha256 ${written.sha256}`);
    expect(await readFile(join(dir, written.html), 'utf8')).toContain(written.sha256);
    // A page that is no longer a report page of ours is left as it is.
    await writeFile(join(dir, written.html), 'tampered');
    const two = fakeIo({ cwd: dir });
    expect(await main(['report', 'run-7'], two.io)).toBe(64);
    expect(await readFile(join(dir, written.html), 'utf8')).toBe('tampered');
  });

  it('names what it could not find (exit 64)', async () => {
    const { dir } = await withReport();
    const none = fakeIo({ cwd: dir });
    expect(await main(['report', 'run-8'], none.io)).toBe(64);
    expect(none.stderr.text).toContain('no report for "run-8"');
  });
});
