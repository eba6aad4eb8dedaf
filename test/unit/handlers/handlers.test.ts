import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DRSServiceError } from '../../../src/contract/index.js';
import type { Emulator } from '../../../src/emulator/index.js';
import { emitTaskMetrics } from '../../../src/handlers/create-handler.js';
import { correlationIdOfEvent, createHandler, METRICS_NAMESPACE } from '../../../src/handlers/index.js';
import {
  aggregate as aggregateTask,
  createTaskDeps,
  type TaskDeps,
  validate as validateTask,
} from '../../../src/tasks/index.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

let emu: Emulator | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await emu?.stop();
  emu = undefined;
});

function captureStdout(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  );
  vi.spyOn(console, 'info').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  );
  vi.spyOn(console, 'error').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  );
  vi.spyOn(console, 'warn').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  );
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('Function: createHandler', () => {
  it('logs the correlation id on every line, never credentials, and emits design 10.1 EMF metrics', async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    const current = emu;
    const deps = createTaskDeps({
      endpoint: current.endpoint,
      credentials: current.credentials,
      now: () => current.clock.now(),
      sleep: async () => {},
      env: {},
    });
    const lines = captureStdout();
    const logger = new Logger({ serviceName: 'drs-orchestration', logLevel: 'INFO' });
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'drs-orchestration' });
    const execution = { id: 'arn:x', name: 'exec-9', startTime: current.clock.now().toISOString() };
    const validate = createHandler('validate', validateTask, { deps, logger, metrics });
    const aggregate = createHandler('aggregate', aggregateTask, { deps, logger, metrics });

    const { request } = (await validate({
      input: { action: 'drill', tags: { 'DR-Wave': '1' } },
      execution,
    })) as {
      request: unknown;
    };
    await aggregate({ request, execution, accountResults: [] });

    const logs = lines
      .filter((l) => l.includes('"message"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.length).toBeGreaterThanOrEqual(4);
    expect(logs.every((l) => l.correlationId === 'exec-9')).toBe(true);
    expect(lines.join('\n')).not.toMatch(/secretAccessKey|sessionToken|"test"/i);
    const emf = lines
      .filter((l) => l.includes('"_aws"'))
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
          },
      );
    const count = emf.find((m) => 'ExecutionCount' in m);
    expect(count).toMatchObject({ Action: 'drill', Status: 'success', ExecutionCount: 1 });
    expect(count?._aws.CloudWatchMetrics[0]?.Namespace).toBe('DRS/Orchestration');
    expect(count?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Action', 'Status']]);
    expect(emf.find((m) => 'ExecutionDuration' in m)?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['Action'],
    ]);
  });

  it('emits FailedServers and ServersProcessed per staging account from aggregate, in the orchestrator account', () => {
    const lines = captureStdout();
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'drs-orchestration' });
    metrics.clearDefaultDimensions();
    const account = (accountId: string, failed: number, timedOut: number) => ({
      accountId,
      serversProcessed: 5,
      succeeded: 5 - failed - timedOut,
      failed,
      timedOut,
    });
    const output = {
      status: 'partial',
      timing: { durationSeconds: 60 },
      stagingAccountResults: [account('111111111111', 2, 1), account('222222222222', 0, 0)],
    };
    for (const action of ['drill', 'status']) {
      emitTaskMetrics(metrics, 'aggregate', { request: { action } }, { output });
    }
    emitTaskMetrics(
      metrics,
      'format-output',
      { request: { action: 'drill' } },
      account('111111111111', 2, 1),
    );
    const emf = lines
      .filter((l) => l.includes('"_aws"'))
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
          },
      );
    const failed = emf.filter((m) => 'FailedServers' in m);
    // Per action and account for both actions; per account (the alarms' metric) only for the launch.
    expect(
      failed.map((m) => [
        m.Action,
        m.StagingAccount,
        m.FailedServers,
        m._aws.CloudWatchMetrics[0]?.Dimensions,
      ]),
    ).toEqual([
      ['drill', '111111111111', 3, [['Action', 'StagingAccount']]],
      [undefined, '111111111111', 3, [['StagingAccount']]],
      ['drill', '222222222222', 0, [['Action', 'StagingAccount']]],
      [undefined, '222222222222', 0, [['StagingAccount']]],
      ['status', '111111111111', 3, [['Action', 'StagingAccount']]],
      ['status', '222222222222', 0, [['Action', 'StagingAccount']]],
    ]);
    expect(emf.filter((m) => 'ServersProcessed' in m)).toHaveLength(4);
  });

  it('rethrows task errors unchanged so the state machine matches their name', async () => {
    const deps = createTaskDeps({ env: {}, now: () => new Date(0), sleep: async () => {} });
    captureStdout();
    const validate = createHandler('validate', validateTask, {
      deps,
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const err = await validate({
      input: { action: 'explode', tags: {} },
      execution: { id: 'a', name: 'b', startTime: 't' },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationError');
  });

  it('builds its deps with only the services it was given: any other port rejects naming itself', async () => {
    captureStdout();
    const probe = async (_event: unknown, deps: TaskDeps) => deps.aws.orchestrator.ssm.getParameter('/x');
    const handler = createHandler('discover', probe, {
      services: {},
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const err = await handler({ execution: { name: 'e' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DRSServiceError);
    expect((err as Error).message).toBe(
      "aws port 'ssm' (getParameter) is not available here: expected the handler to pass the 'ssm' service to createAwsPortsFor",
    );
  });

  it('finds the correlation id in the request, the raw input or the execution name', () => {
    expect(correlationIdOfEvent({ request: { metadata: { correlationId: 'c1' } } })).toBe('c1');
    expect(
      correlationIdOfEvent({ input: { metadata: { correlationId: 'c2' } }, execution: { name: 'e' } }),
    ).toBe('c2');
    expect(correlationIdOfEvent({ execution: { name: 'e' } })).toBe('e');
    expect(correlationIdOfEvent(null)).toBe('unknown');
  });
});
