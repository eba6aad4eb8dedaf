/**
 * The edge where `drs-orch serve` plugs our workflows into the emulator: a Step Functions backend
 * (the emulator's port) that hosts the state machines of `statemachines/` and runs their
 * executions through the local runtime, with task deps pointed at the emulator itself and the
 * orchestrator's keys. The runtime records each execution's history; this adapter only forwards
 * it. The runtime and the tasks are loaded when the backend is built, in the background.
 */
import type {
  SfnReportedEvent,
  SfnStateMachine,
  StepFunctionsBackend,
  StepFunctionsBackendFactory,
  StepFunctionsHost,
} from '../../emulator/index.js';
import type { MachineName } from '../../runtime/definitions.js';
import type { HistoryListener, LocalRuntimeEnv, StartedExecution } from '../../runtime/index.js';

type Runtime = typeof import('../../runtime/index.js');

/** The state machines the emulator hosts: main, waves, drill-cleanup in the orchestrator account, an executor per staging account. */
function hostedMachines(runtime: Runtime, host: StepFunctionsHost): SfnStateMachine[] {
  const names = runtime.DEFAULT_STATE_MACHINE_NAMES;
  const arn = (region: string, accountId: string, machine: MachineName): string =>
    `arn:aws:states:${region}:${accountId}:stateMachine:${names[machine]}`;
  const { orchestrator } = host;
  const machines: SfnStateMachine[] = [];
  for (const machine of runtime.MACHINE_NAMES) {
    if (machine === 'executor') continue;
    machines.push({
      arn: arn(orchestrator.region, orchestrator.accountId, machine),
      name: names[machine],
      accountId: orchestrator.accountId,
      region: orchestrator.region,
      machine,
      definition: JSON.stringify(runtime.loadDefinition(machine)),
    });
  }
  for (const account of host.stagingAccounts) {
    machines.push({
      arn: arn(account.region, account.accountId, 'executor'),
      name: names.executor,
      accountId: account.accountId,
      region: account.region,
      machine: 'executor',
      definition: JSON.stringify(runtime.loadDefinition('executor')),
    });
  }
  return machines;
}

/**
 * The Step Functions backend of `drs-orch serve`: our workflows on the local runtime.
 *
 * @example
 * const emu = await startEmulator({ fleet: 'demo', stepFunctions: localWorkflows(runtime) });
 */
export function localWorkflows(runtime: Runtime): StepFunctionsBackendFactory {
  return (host) => createBackend(runtime, host);
}

/** Loads the runtime (and so the tasks, on the first execution) and returns {@link localWorkflows}. */
export async function loadLocalWorkflows(): Promise<StepFunctionsBackendFactory> {
  return localWorkflows(await import('../../runtime/index.js'));
}

function createBackend(runtime: Runtime, host: StepFunctionsHost): StepFunctionsBackend {
  const machines = hostedMachines(runtime, host);
  /** Running executions (roots and children) by ARN, with the handle of their run. */
  const runs = new Map<string, StartedExecution>();
  /** Executions registered but not yet running (the runtime env is being built), and those stopped meanwhile. */
  const pending = new Set<string>();
  const cancelled = new Set<string>();
  const terminal = new Set<string>(Object.values(runtime.TERMINAL_EVENT));
  const tokens = runtime.taskTokenBackend(host);
  // Paced virtual time: the clock runs at its scale only while every execution is idle and stops
  // at each wake-up until the work due then has run, so a busy server slows virtual time down
  // instead of timing out work it had no chance to do (a time scale never changes a result). At
  // time scale 0 executions move only when the clock is moved by hand.
  const scheduler = new runtime.DiscreteScheduler({ clock: host.clock, paced: true });
  let env: Promise<LocalRuntimeEnv> | undefined;

  // One env, shared by every execution (built once, even for concurrent starts).
  const envFor = (): Promise<LocalRuntimeEnv> => {
    env ??= runtime.createRuntimeEnv({
      endpoint: host.endpoint(),
      credentials: host.credentials,
      region: host.orchestrator.region,
      accountId: host.orchestrator.accountId,
      scheduler,
      now: () => host.clock.now(),
      ...(host.orchestrator.resultsBucket ? { resultsBucket: host.orchestrator.resultsBucket } : {}),
    });
    return env;
  };

  return {
    stateMachines: (accountId) => machines.filter((m) => m.accountId === accountId),

    async start(request, report) {
      pending.add(request.executionArn);
      let env: LocalRuntimeEnv;
      try {
        env = await envFor();
      } finally {
        pending.delete(request.executionArn);
      }
      // Stopped before it ran: nothing of it may run.
      if (cancelled.delete(request.executionArn)) return;
      let started: StartedExecution | undefined;
      const onHistory: HistoryListener = (execution, event) => {
        if (event.type === 'ExecutionStarted' && started) runs.set(execution.executionArn, started);
        const reported: SfnReportedEvent = {
          executionArn: execution.executionArn,
          execution: {
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            ...(execution.parentExecutionArn === undefined
              ? {}
              : { parentExecutionArn: execution.parentExecutionArn }),
          },
          ...event,
        };
        if (terminal.has(event.type)) runs.delete(execution.executionArn);
        report(reported);
      };
      started = runtime.startStateMachine({
        machine: request.stateMachine.machine as MachineName,
        input: request.parsedInput,
        env,
        name: request.name,
        onHistory,
      });
      runs.set(started.executionArn, started);
      await started.result;
    },

    stop(executionArn, reason) {
      if (pending.has(executionArn)) cancelled.add(executionArn);
      return runs.get(executionArn)?.stop(executionArn, reason) ?? false;
    },

    // Every .waitForTaskToken Task (approvals, executor callbacks) waits in the runtime's one
    // task-token registry: SendTask* are routed there as by taskTokenBackend, and authorized by
    // the emulator on the state machine that holds the token.
    taskOwner: runtime.taskTokenOwner,
    answerTask: tokens.answerTask,
  };
}
