/**
 * A runbook stopped with StopExecution leaves its record too: deployed, the waves execution never
 * reaches WriteRunbookReport (Step Functions has no "finally"), so an EventBridge rule on its
 * ABORTED end invokes the write-report task. Here the waves state machine runs on `drs-orch
 * serve`'s Step Functions API (real SDK over HTTP); the emulator has no EventBridge, so the test
 * hands the task the event exactly as the rule delivers it (source aws.states, detail-type "Step
 * Functions Execution Status Change", dates in epoch ms) and reads the report back from the bucket.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import type { ReportSource } from '../../../src/report/index.js';
import { createTaskDeps, type TaskDeps, type TaskLogger } from '../../../src/tasks/deps.js';
import { type ExecutionStatusChangeEvent, writeReport } from '../../../src/tasks/write-report.js';
import {
  RESULTS_BUCKET as BUCKET,
  ORCHESTRATOR_CREDENTIALS as CREDENTIALS,
  executionEnd,
  stopWorkflowsWorlds,
  APPROVAL_TOPIC as TOPIC,
  WAVES_ARN as WAVES,
  waitingToken,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';

const PREFIX = 'results/rb-stopped-1/rb-stopped-run-1/';

const TWO_WAVES = {
  action: 'drill',
  approval: { topicArn: TOPIC, timeoutSeconds: 86_400 },
  metadata: { correlationId: 'rb-stopped-1', ticketId: 'CHG-11', initiatedBy: 'ops@example.com' },
  waves: [
    { name: 'single', tags: { 'DR-Test': 'single' } },
    { name: 'application', tags: { 'DR-Wave': '1', 'DR-Application': 'HealthEdge' }, approval: true },
  ],
};

/** The write-report task's deps as its Lambda has them: the orchestrator's keys and the results bucket. */
function taskDeps(on: Emulator, log?: TaskLogger): TaskDeps {
  return createTaskDeps({
    endpoint: on.endpoint,
    credentials: CREDENTIALS,
    region: 'us-east-1',
    resultsBucket: BUCKET,
    env: {},
    ...(log && { log }),
  });
}

afterEach(stopWorkflowsWorlds);

describe('drs-orch serve: the report of a runbook stopped with StopExecution', () => {
  it('the ABORTED event writes the runbook report: outcome aborted, wave 1 with its server, wave 2 not run with its approval pending; twice, the same keys and record', async () => {
    const { emu, sfn, s3 } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: WAVES,
        name: 'rb-stopped-run-1',
        input: JSON.stringify(TWO_WAVES),
      }),
    );
    // Wave 2 waits for its approval: wave 1 has finished.
    await waitingToken(sfn, executionArn);
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'operator cancelled the runbook' }));
    const stopped = await executionEnd(sfn, executionArn);
    expect(stopped.status).toBe('ABORTED');
    const before = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX }));
    expect((before.Contents ?? []).map((o) => o.Key).filter((k) => k?.endsWith('report.json'))).toEqual([]);

    // What the rule delivers (the emulator has no EventBridge): the documented detail shape.
    const event: ExecutionStatusChangeEvent = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn,
        stateMachineArn: WAVES,
        name: 'rb-stopped-run-1',
        status: 'ABORTED',
        startDate: stopped.startDate?.getTime() ?? 0,
        stopDate: stopped.stopDate?.getTime() ?? null,
        error: null,
        cause: null,
      },
    };
    const deps = taskDeps(emu);
    const read = async (key: string): Promise<string> =>
      (await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
      ).Body?.transformToString('utf8')) ?? '';
    const result = await writeReport(event, deps);
    const json = await read(`${PREFIX}report.json`);
    const html = await read(`${PREFIX}report.html`);
    await writeReport(event, deps);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX }));
    const source = JSON.parse(json) as ReportSource;

    expect(result).toMatchObject({ reportLocation: `s3://${BUCKET}/${PREFIX}report.html` });
    expect(
      (listed.Contents ?? []).map((o) => o.Key).filter((k) => /report\.(json|html)$/.test(k ?? '')),
    ).toEqual([`${PREFIX}report.html`, `${PREFIX}report.json`]);
    // Delivered twice: the same objects, the same record (only the time it was generated moves).
    const again = JSON.parse(await read(`${PREFIX}report.json`)) as ReportSource;
    expect({ ...again, generatedAt: undefined }).toEqual({ ...source, generatedAt: undefined });
    expect(source.kind).toBe('runbook');
    expect(source.execution).toMatchObject({
      arn: executionArn,
      outcome: 'aborted',
      status: 'ABORTED',
      endTime: stopped.stopDate?.toISOString(),
    });
    expect(source.startedBy).toMatchObject({ correlationId: 'rb-stopped-1', ticketId: 'CHG-11' });
    expect(source.waves.map((w) => [w.name, w.status])).toEqual([
      ['single', 'success'],
      ['application', 'not run'],
    ]);
    expect(source.waves[1]?.approvalRequired).toBe(true);
    expect(source.waves[1]?.approval?.requestedAt).toBeDefined();
    expect(source.waves[1]?.approval?.decidedAt).toBeUndefined();
    expect(source.servers.filter((s) => s.wave === 1).length).toBe(1);
    expect(source.servers.filter((s) => s.wave === 2)).toEqual([]);
    expect(source.totals).toMatchObject({ waves: 2, wavesRun: 1 });
    expect(html).toContain('execution stopped (cancelled)');
  });

  it('the ABORTED event of a main execution writes its action report from its input: outcome aborted, a gap naming the missing per-server results', async () => {
    const { emu, sfn, s3 } = await workflowsWorld();
    const main = WAVES.replace(/waves$/, 'main');
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: main,
        name: 'action-stopped-run-1',
        input: JSON.stringify({
          action: 'drill',
          tags: { 'DR-Wave': '1' },
          metadata: { correlationId: 'act-stopped-1' },
        }),
      }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn }));
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const result = await writeReport(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: {
          executionArn,
          stateMachineArn: main,
          name: 'action-stopped-run-1',
          status: String(stopped.status),
          startDate: stopped.startDate?.getTime() ?? 0,
          stopDate: stopped.stopDate?.getTime() ?? null,
        },
      },
      taskDeps(emu),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'results/act-stopped-1/action-stopped-run-1/report.json' }),
    );
    const source = JSON.parse((await got.Body?.transformToString('utf8')) ?? '{}') as ReportSource;

    expect(stopped.status).toBe('ABORTED');
    expect(result).toMatchObject({
      reportLocation: `s3://${BUCKET}/results/act-stopped-1/action-stopped-run-1/report.html`,
    });
    expect(source.kind).toBe('action');
    expect(source.action).toBe('drill');
    expect(source.execution).toMatchObject({ arn: executionArn, outcome: 'aborted', status: 'ABORTED' });
    expect(source.startedBy.correlationId).toBe('act-stopped-1');
    expect(JSON.stringify(source)).toContain('ended ABORTED before its aggregate');
  });

  it('an event it does not handle (a SUCCEEDED end, another machine, no detail) is logged and ignored, nothing written', async () => {
    const { emu, s3 } = await workflowsWorld();
    const warned: unknown[] = [];
    const deps = taskDeps(emu, {
      info: () => {},
      warn: (...a: unknown[]) => warned.push(a),
      debug: () => {},
    });
    const detail = {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:x',
      stateMachineArn: WAVES,
      name: 'x',
      status: 'SUCCEEDED',
      startDate: 1,
    };
    const base = { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change' };
    const results = [
      await writeReport({ ...base, detail }, deps),
      await writeReport(
        { ...base, detail: { ...detail, status: 'ABORTED', stateMachineArn: `${WAVES}-other` } },
        deps,
      ),
      await writeReport({ ...base } as never, deps),
    ];
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));

    expect(results.map((r) => (r as { ignored?: string }).ignored)).toEqual([
      'status SUCCEEDED is not ABORTED or TIMED_OUT (the workflow writes its own report)',
      `state machine ${WAVES}-other is not the waves or main machine`,
      'the event has no detail.executionArn and detail.startDate (epoch ms)',
    ]);
    expect(warned.length).toBe(3);
    expect((listed.Contents ?? []).filter((o) => /report\.(json|html)$/.test(o.Key ?? ''))).toEqual([]);
  });
});
