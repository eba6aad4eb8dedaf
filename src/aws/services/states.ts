/**
 * Step Functions port (a staging account's executor); `@aws-sdk/client-sfn` is loaded on the first
 * call.
 */
import type { ExecutionDescription, StatesPort } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The Step Functions service module.
 *
 * @example
 * ```ts
 * const states = statesService.create(scope);
 * const { executionArn } = await states.startExecution({ stateMachineArn, name, input });
 * ```
 */
export const statesService: AwsService<StatesPort> = {
  service: 'states',
  create({ settings, send }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/states.js'),
      (sdk) => new sdk.SFNClient(settings),
    );
    return {
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
        if (out.error !== undefined) description.error = out.error;
        if (out.cause !== undefined) description.cause = out.cause;
        return description;
      },
      async stopExecution({ executionArn, error, cause }) {
        await call('StopExecution', (sdk, client) =>
          client.send(new sdk.StopExecutionCommand({ executionArn, error, cause })),
        );
      },
    };
  },
};
