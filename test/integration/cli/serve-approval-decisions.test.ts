/**
 * What an answer to a wave's approval means, on `drs-orch serve`'s Step Functions API with the
 * real SFN client (what `aws stepfunctions send-task-success --task-output ...` sends): only a
 * well-formed `{"approved":true}` runs the wave. An explicit `approved: false` and a malformed
 * answer reject it: no main execution is started (nothing launched), the output says rejected
 * with the reason, and the workflow's own report records the decision as rejected. An answer with
 * a key twice is refused by SendTaskSuccess itself (InvalidOutput): it means two things.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { assertReportSource } from '../../../src/contract/report.js';
import type { ReportSource } from '../../../src/report/index.js';
import {
  RESULTS_BUCKET as BUCKET,
  executionEnd,
  stopWorkflowsWorlds,
  APPROVAL_TOPIC as TOPIC,
  WAVES_ARN as WAVES,
  waitingToken,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';

const MAIN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';

const INPUT = {
  action: 'drill',
  // A day of virtual time: the approval must not time out while a loaded machine answers it.
  approval: { topicArn: TOPIC, timeoutSeconds: 86_400 },
  waves: [{ name: 'single', tags: { 'DR-Test': 'single' }, approval: true }],
};

async function reportOf(s3: S3Client, reportLocation: string): Promise<ReportSource> {
  const key = reportLocation.replace(`s3://${BUCKET}/`, '').replace(/report\.html$/, 'report.json');
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await got.Body?.transformToString('utf8')) ?? '') as ReportSource;
}

afterEach(stopWorkflowsWorlds);

describe('drs-orch serve: an approval answer that is not a yes rejects the wave', () => {
  it('approved:false and malformed task outputs ({"approved":"yes"}, [], {}, null, unknown fields) launch nothing and are recorded as rejected', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const answers: { name: string; output: string; reason: RegExp; by?: string }[] = [
      {
        name: 'said-no',
        output: JSON.stringify({ approved: false, comment: 'NOT approved' }),
        reason: /^NOT approved$/,
      },
      {
        name: 'said-no-by',
        output: JSON.stringify({ approved: false, approvedBy: 'carol', comment: 'change freeze' }),
        reason: /^change freeze$/,
        by: 'carol',
      },
      {
        name: 'yes-string',
        output: '{"approved":"yes"}',
        reason: /^malformed approval answer: \/approved must be boolean, got string "yes"$/,
        by: 'drs-orch',
      },
      {
        name: 'array',
        output: '[]',
        reason: /^malformed approval answer: \/ must be object, got array/,
        by: 'drs-orch',
      },
      {
        name: 'empty',
        output: '{}',
        reason: /^malformed approval answer: \/approved is required$/,
        by: 'drs-orch',
      },
      {
        name: 'null',
        output: 'null',
        reason: /^malformed approval answer: \/ must be object/,
        by: 'drs-orch',
      },
      {
        name: 'extra-field',
        output: '{"approved":true,"approve":false}',
        reason: /^malformed approval answer: \/approve is not a known field/,
        by: 'drs-orch',
      },
    ];
    const started = await Promise.all(
      answers.map(async (a) => {
        const { executionArn = '' } = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: WAVES, name: a.name, input: JSON.stringify(INPUT) }),
        );
        await sfn.send(
          new SendTaskSuccessCommand({ taskToken: await waitingToken(sfn, executionArn), output: a.output }),
        );
        return executionArn;
      }),
    );
    for (const [i, executionArn] of started.entries()) {
      const a = answers[i];
      if (a === undefined) throw new Error('no answer');
      const done = await executionEnd(sfn, executionArn);
      expect(done.status, a.name).toBe('SUCCEEDED');
      const out = JSON.parse(done.output ?? '{}') as {
        status: string;
        wavesRun: number;
        reason: string;
        reportLocation: string;
      };
      expect(out, a.name).toMatchObject({ status: 'rejected', wavesRun: 0, stoppedAtWave: 1 });
      const cause = JSON.parse(out.reason) as { rejectedBy?: string; comment: string };
      expect(cause.comment, a.name).toMatch(a.reason);
      expect(cause.rejectedBy, a.name).toBe(a.by);
      const report = await reportOf(s3, out.reportLocation);
      expect(() => assertReportSource(report), a.name).not.toThrow();
      expect(report.execution.outcome, a.name).toBe('rejected');
      expect(report.waves[0]?.approval?.decision, a.name).toBe('rejected');
      expect(report.waves[0]?.approval?.comment, a.name).toMatch(a.reason);
      expect(report.waves[0]?.status, a.name).toBe('not run');
    }
    // Not one wave reached the main state machine: nothing was launched.
    const mains = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MAIN }));
    expect(mains.executions ?? []).toEqual([]);
    sfn.destroy();
  }, 120_000);

  it('an answer with a key twice ({"approved":false,"approved":true}) is refused by SendTaskSuccess (InvalidOutput) and launches nothing; the wave waits for a clear answer', async () => {
    const { sfn } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, name: 'twice', input: JSON.stringify(INPUT) }),
    );
    const taskToken = await waitingToken(sfn, executionArn);
    const ambiguous = [
      '{"approved":false,"approved":true}',
      '{"approved":false,"comment":"NOT approved","approved":true}',
      '{"approved":true,"comment":"go","comment":"stop"}',
    ];
    for (const output of ambiguous) {
      const refused = await sfn.send(new SendTaskSuccessCommand({ taskToken, output })).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(refused?.name, output).toBe('InvalidOutput');
      expect(refused?.message, output).toMatch(
        /^Invalid Output: output: duplicate key "(approved|comment)" at \/(approved|comment) \(line 1\); send each key once$/,
      );
    }
    // Still waiting: the same token takes a clear answer, and a no is a no.
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: false, comment: 'no' }) }),
    );
    const done = await executionEnd(sfn, executionArn);
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ status: 'rejected', wavesRun: 0 });
    const mains = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MAIN }));
    expect(mains.executions ?? []).toEqual([]);
    sfn.destroy();
  }, 120_000);

  it('a well-formed {"approved":true} runs the wave and the report records it approved, by whom', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(INPUT) }),
    );
    const output = JSON.stringify({ approved: true, approvedBy: 'alice', comment: 'go' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await waitingToken(sfn, executionArn), output }));
    const done = await executionEnd(sfn, executionArn);
    const out = JSON.parse(done.output ?? '{}') as { status: string; reportLocation: string };
    expect(out.status).toBe('success');
    const report = await reportOf(s3, out.reportLocation);
    expect(report.waves[0]?.approval).toMatchObject({ decision: 'approved', by: 'alice', comment: 'go' });
    const mains = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MAIN }));
    expect(mains.executions ?? []).toHaveLength(1);
    sfn.destroy();
  }, 120_000);
});
