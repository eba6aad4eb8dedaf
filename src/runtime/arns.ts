/**
 * ARNs of the runtime's state machines, executions and Lambda functions, and the placeholder
 * values of a definition (which name those ARNs). One place, so that the ARN an execution reports
 * and the one its parent or a caller parses are the same.
 */

import { DEFAULT_STEP_ROLE_NAME } from '../core/runbook-step.js';
import { EXECUTOR_STARTER_ROLE_NAME } from '../tasks/names.js';
import { DEFAULT_STATE_MACHINE_NAMES, type MachineName, TASK_NAMES } from './definitions.js';
import { namedError } from './errors.js';

/** Tells a map run's children from runs of their own (pure, in src/core for the report). */
export { isMapRunChild } from '../core/execution-arn.js';

/** Role each staging account lets start-executor and monitor-executor use (data-flow.md). */
export const DEFAULT_EXECUTOR_START_ROLE_NAME = EXECUTOR_STARTER_ROLE_NAME;

/** Where a state machine lives. */
export interface MachineLocation {
  readonly machine: MachineName;
  readonly region: string;
  readonly accountId: string;
}

/** Names the ARNs of one run: its partition and the state machine names. */
export class Arns {
  readonly partition: string;
  readonly names: Readonly<Record<MachineName, string>>;

  constructor(partition = 'aws', names: Partial<Record<MachineName, string>> = {}) {
    this.partition = partition;
    this.names = { ...DEFAULT_STATE_MACHINE_NAMES, ...names };
  }

  /** `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
  stateMachine(machine: MachineName, region: string, accountId: string): string {
    return `arn:${this.partition}:states:${region}:${accountId}:stateMachine:${this.names[machine]}`;
  }

  /** `arn:<partition>:states:<region>:<account>:execution:<machine name>:<execution name>`. */
  execution(machine: MachineName, region: string, accountId: string, name: string): string {
    return `arn:${this.partition}:states:${region}:${accountId}:execution:${this.names[machine]}:${name}`;
  }

  /** `arn:<partition>:lambda:<region>:<account>:function:<name>`. */
  lambda(functionName: string, region: string, accountId: string): string {
    return `arn:${this.partition}:lambda:${region}:${accountId}:function:${functionName}`;
  }

  /**
   * The machine a state machine ARN names.
   * @throws an error named `StepFunctions.StateMachineDoesNotExistException` (as the `.sync:2`
   * integration reports it) for an ARN that names no machine of this run
   */
  parseStateMachine(arn: string): MachineLocation {
    const match = /^arn:[a-z-]+:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]+)$/.exec(arn);
    const machine = (Object.keys(this.names) as MachineName[]).find((m) => this.names[m] === match?.[3]);
    if (!match || !machine) {
      throw namedError(
        'StepFunctions.StateMachineDoesNotExistException',
        `state machine ${arn} does not exist locally`,
      );
    }
    return { machine, region: match[1] as string, accountId: match[2] as string };
  }

  /**
   * The placeholder values of a definition run in `region`/`accountId`: Lambda ARNs of our
   * functions there, the partition, the executor's name and start role, the main machine's ARN
   * (in the orchestrator's `home`); `overrides` win.
   */
  placeholders(
    region: string,
    accountId: string,
    home: { readonly region: string; readonly accountId: string },
    overrides: Readonly<Record<string, string>> = {},
  ): Record<string, string> {
    const values: Record<string, string> = {
      Partition: this.partition,
      ExecutorStateMachineName: this.names.executor,
      ExecutorStartRoleName: DEFAULT_EXECUTOR_START_ROLE_NAME,
      RunbookStepsRoleName: DEFAULT_STEP_ROLE_NAME,
      MainStateMachineArn: this.stateMachine('main', home.region, home.accountId),
    };
    for (const t of TASK_NAMES) values[t.placeholder] = this.lambda(t.functionName, region, accountId);
    return { ...values, ...overrides };
  }
}
