/**
 * Step Functions as a registry entry: JSON 1.0 (`AWSStepFunctions.*`), executions kept here and
 * run by the backend the emulator's caller plugs in (`startEmulator({ stepFunctions })`), IAM on
 * the state machine or execution, and SendTask* on the machine whose Task holds the token.
 */
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY } from '../../auth/credentials.js';
import type { VirtualClock } from '../../clock.js';
import { fail } from '../../protocols/service-errors.js';
import { anyResource, jsonProtocol, type ServiceDescriptor, type ServiceInstance } from '../../registry.js';
import {
  createStepFunctionsHandler,
  PREFIX,
  type SfnStateMachine,
  type StepFunctionsBackend,
  StepFunctionsState,
  stopAllExecutions,
  VERSION,
} from './stepfunctions.js';

/** What a Step Functions backend is given to reach the emulator it runs in. */
export interface StepFunctionsHost {
  /** The emulator's endpoint (known once it listens). */
  endpoint(): string;
  readonly clock: VirtualClock;
  /** The orchestrator account's keys. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The orchestrator account, its region and its results bucket (the fleet's first bucket). */
  readonly orchestrator: {
    readonly accountId: string;
    readonly region: string;
    readonly resultsBucket?: string;
  };
  /** Every other account of the fleet. */
  readonly stagingAccounts: readonly { readonly accountId: string; readonly region: string }[];
}

/** Builds the backend that runs Step Functions executions (see {@link StepFunctionsBackend}). */
export type StepFunctionsBackendFactory = (host: StepFunctionsHost) => StepFunctionsBackend;

/** The running Step Functions service: its instance and the state machines its backend hosts. */
export interface StepFunctionsInstance extends ServiceInstance {
  stateMachines(accountId: string): readonly SfnStateMachine[];
}

/** Step Functions (signing name `states`). */
export const statesService: ServiceDescriptor = {
  name: 'states',
  ...jsonProtocol(PREFIX, VERSION),
  unknownOperation: (operation) =>
    fail({
      code: 'UnknownOperationException',
      message: `the emulator does not implement ${PREFIX}.${operation ?? ''}`,
    }),
  commonErrors: { internal: { code: 'InternalFailure' } },
  invalidPageToken: (token) => fail({ code: 'InvalidToken', message: `Invalid Token: '${token}'` }),
  authorization: { fallback: anyResource('states') },
  create(world): StepFunctionsInstance {
    const { state } = world;
    const factory = world.options.stepFunctions as StepFunctionsBackendFactory | undefined;
    const orchestrator = state.account(state.orchestratorAccountId);
    const resultsBucket = orchestrator?.fleet.s3Buckets?.[0]?.name;
    const backend = factory?.({
      endpoint: () => world.endpoint(),
      clock: state.clock,
      credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, secretAccessKey: DEFAULT_SECRET_ACCESS_KEY },
      orchestrator: {
        accountId: state.orchestratorAccountId,
        region: orchestrator?.region ?? 'us-east-1',
        ...(resultsBucket === undefined ? {} : { resultsBucket }),
      },
      stagingAccounts: state
        .accounts()
        .filter((a) => a.accountId !== state.orchestratorAccountId)
        .map((a) => ({ accountId: a.accountId, region: a.region })),
    });
    const executions = new StepFunctionsState();
    const ports = { state: executions, ...(backend ? { backend } : {}), nowMs: () => state.clock.nowMs() };
    return {
      operations: createStepFunctionsHandler(ports),
      views: {
        executions: (q) => ({
          executions: executions
            .all()
            .filter((e) => !q.get('stateMachineArn') || e.stateMachine.arn === q.get('stateMachineArn'))
            .map((e) => ({
              executionArn: e.arn,
              stateMachineArn: e.stateMachine.arn,
              status: e.status,
              startDate: new Date(e.startMs).toISOString(),
              ...(e.stopMs === undefined ? {} : { stopDate: new Date(e.stopMs).toISOString() }),
              ...(e.parentArn === undefined ? {} : { parentExecutionArn: e.parentArn }),
              historyEvents: e.events.length,
            })),
        }),
      },
      stateMachines: (accountId) => backend?.stateMachines(accountId) ?? [],
      stop: () => stopAllExecutions(ports),
    };
  },
};
