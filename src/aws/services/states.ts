/**
 * Step Functions port (a staging account's executor, and the orchestrator's own executions for
 * the report task); `@aws-sdk/client-sfn` is loaded on the first call.
 */
import type { ExecutionDescription, ExecutionHistoryEvent, StatesPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The Step Functions service module.
 *
 * @example
 * ```ts
 * const states = statesService.create(scope);
 * const { executionArn } = await states.startExecution({ stateMachineArn, name, input });
 * ```
 */
export const statesService: AwsService<StatesPort> = /* @__PURE__ */ sdkService(
  'states',
  () => import('./sdk/states.js'),
  (call) => ({
    async startExecution({ stateMachineArn, name, input }) {
      const out = await call('StartExecution', (sdk, client) =>
        client.send(new sdk.StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })),
      );
      return { executionArn: out.executionArn ?? '', startDate: out.startDate ?? new Date(0) };
    },
    async describeExecution({ executionArn }) {
      const out = await call('DescribeExecution', (sdk, client) =>
        client.send(new sdk.DescribeExecutionCommand({ executionArn })),
      );
      const description: ExecutionDescription = {
        executionArn: out.executionArn ?? executionArn,
        status: (out.status ?? 'RUNNING') as ExecutionDescription['status'],
        startDate: out.startDate ?? new Date(0),
      };
      if (out.stopDate) description.stopDate = out.stopDate;
      if (out.output !== undefined) description.output = JSON.parse(out.output);
      if (out.input !== undefined) description.input = JSON.parse(out.input);
      if (out.error !== undefined) description.error = out.error;
      if (out.cause !== undefined) description.cause = out.cause;
      return description;
    },
    async getExecutionHistory({ executionArn, maxEvents = 25_000 }) {
      const events: ExecutionHistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const out = await call('GetExecutionHistory', (sdk, client) =>
          client.send(
            new sdk.GetExecutionHistoryCommand({
              executionArn,
              maxResults: 1000,
              includeExecutionData: true,
              ...(token === undefined ? {} : { nextToken: token }),
            }),
          ),
        );
        for (const e of out.events ?? []) {
          // The details member is the one `<x>EventDetails` the event has.
          const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
          const details = key === undefined ? undefined : (e as unknown as Record<string, unknown>)[key];
          events.push({
            id: e.id ?? events.length + 1,
            ...(e.previousEventId === undefined ? {} : { previousEventId: e.previousEventId }),
            type: e.type ?? '',
            timestamp: e.timestamp ?? new Date(0),
            ...(details !== null && typeof details === 'object'
              ? { details: details as Record<string, unknown> }
              : {}),
          });
        }
        nextToken = out.nextToken;
      } while (nextToken !== undefined && events.length < maxEvents);
      return events;
    },
    async stopExecution({ executionArn, error, cause }) {
      await call('StopExecution', (sdk, client) =>
        client.send(new sdk.StopExecutionCommand({ executionArn, error, cause })),
      );
    },
  }),
);
