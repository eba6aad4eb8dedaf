import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../src/contract/errors.js';
import {
  type AslObject,
  bindingOf,
  loadDefinition,
  localizeDefinition,
  MACHINE_NAMES,
  type MachineName,
  placeholdersOf,
  substitutePlaceholders,
  TASK_NAMES,
  walkStates,
} from '../../../src/runtime/index.js';
import { mapRunTaskName } from '../../../src/runtime/localize.js';

type Validator = (
  definition: unknown,
  opts?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
// asl-validator ships no typings and mutates its input: load it with require, hand it clones.
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

const KNOWN_PLACEHOLDERS = [
  ...TASK_NAMES.map((t) => t.placeholder),
  'ExecutorStateMachineName',
  'ExecutorStartRoleName',
  'MainStateMachineArn',
  'Partition',
  'RunbookStepsRoleName',
];

const DEPLOY_VALUES: Record<string, string> = {
  ...Object.fromEntries(
    TASK_NAMES.map((t) => [
      t.placeholder,
      `arn:aws:lambda:us-east-1:123456789012:function:${t.functionName}`,
    ]),
  ),
  ExecutorStateMachineName: 'drs-staging-account-executor',
  ExecutorStartRoleName: 'DRS-Orchestration-Executor-Starter',
  MainStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main',
  Partition: 'aws',
  RunbookStepsRoleName: 'DRS-Orchestration-Runbook-Steps',
};

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

function tasksOf(machine: MachineName): { name: string; state: AslObject }[] {
  return walkStates(loadDefinition(machine)).filter((s) => s.state.Type === 'Task');
}

function retriers(state: AslObject): AslObject[] {
  return (state.Retry as AslObject[] | undefined) ?? [];
}

function retrierFor(state: AslObject, error: string): AslObject | undefined {
  return retriers(state).find((r) => (r.ErrorEquals as string[]).includes(error));
}

describe.each(MACHINE_NAMES)('State machine: %s', (machine) => {
  it('passes asl-validator with ARN and path checks, as written and after substitution', () => {
    const raw = loadDefinition(machine);

    const asWritten = aslValidator(structuredClone(raw), { checkArn: true, checkPaths: true });
    const deployed = aslValidator(substitutePlaceholders(raw, DEPLOY_VALUES), {
      checkArn: true,
      checkPaths: true,
    });

    expect(asWritten.errorsText('\n')).toBe('');
    expect(asWritten.isValid).toBe(true);
    expect(deployed.errorsText('\n')).toBe('');
    expect(deployed.isValid).toBe(true);
  });

  it('is JSONPath only (aws-local-stepfunctions ignores JSONata silently)', () => {
    const text = JSON.stringify(loadDefinition(machine));

    expect(text).not.toContain('QueryLanguage');
    expect(text).not.toContain('{%');
    expect(text).not.toMatch(/"(Arguments|Output|Assign)"\s*:/);
  });

  it('uses only placeholders the deployment and the local runtime substitute', () => {
    const used = placeholdersOf(loadDefinition(machine));

    expect(used.filter((p) => !KNOWN_PLACEHOLDERS.includes(p))).toEqual([]);
  });

  it('binds every Task resource to a task of data-flow.md or a known integration', () => {
    const unbound = tasksOf(machine)
      .filter(({ state }) => bindingOf(String(state.Resource)) === undefined)
      .map(({ name, state }) => `${name}: ${String(state.Resource)}`);

    expect(unbound).toEqual([]);
  });

  it('localizes: unique state names and every Task bound', () => {
    const local = localizeDefinition(substitutePlaceholders(loadDefinition(machine), DEPLOY_VALUES), {
      timeScale: 1,
    });

    // A Wait with SecondsPath runs as a Task the runtime sleeps in (it scales the seconds).
    const pathWaits = walkStates(loadDefinition(machine))
      .filter((s) => s.state.Type === 'Wait' && typeof s.state.SecondsPath === 'string')
      .map((s) => s.name);
    // A Distributed Map's items run as child executions: one Task per item starts each.
    const mapRuns = [...local.distributedMaps.keys()].map(mapRunTaskName);
    expect([...local.tasks.keys()].sort()).toEqual(
      [...tasksOf(machine).map((t) => t.name), ...pathWaits, ...mapRuns].sort(),
    );
  });

  it('retries every Lambda task per design 11.2 and every integration on throttling', () => {
    for (const { name, state } of tasksOf(machine)) {
      const binding = bindingOf(String(state.Resource));
      if (binding?.kind === 'lambdaInvokeWaitForTaskToken') {
        // Only Lambda's own invocation errors are retried: an error the executor reports through
        // the callback (ThrottlingException, DRSServiceError, ...) is the account's result, and
        // retrying it would start a wait no executor answers.
        expect(
          retriers(state).map((r) => r.ErrorEquals),
          name,
        ).toEqual([LAMBDA_SERVICE_ERRORS]);
        expect(state, name).toMatchObject({ HeartbeatSeconds: 900, TimeoutSeconds: 90_000 });
      } else if (binding?.kind === 'task') {
        expect(retrierFor(state, LAMBDA_SERVICE_ERRORS[0] as string)?.ErrorEquals, name).toEqual(
          LAMBDA_SERVICE_ERRORS,
        );
        expect(retrierFor(state, ErrorNames.ThrottlingException), name).toMatchObject({
          IntervalSeconds: 5,
          BackoffRate: 2,
          MaxAttempts: 5,
        });
        expect(retrierFor(state, ErrorNames.DRSServiceError), name).toMatchObject({
          IntervalSeconds: 30,
          BackoffRate: 1.5,
          MaxAttempts: 3,
        });
      } else {
        const throttling = retriers(state).find((r) =>
          (r.ErrorEquals as string[]).some((e) => /Throttl|LimitExceeded/.test(e)),
        );
        expect(throttling, name).toMatchObject({ IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 5 });
      }
      // States.ALL in a Retry would also retry validation errors and start DRS jobs twice.
      expect(
        retriers(state).some((r) => (r.ErrorEquals as string[]).includes('States.ALL')),
        name,
      ).toBe(false);
    }
  });
});

describe('Task names', () => {
  it('uses every task of data-flow.md in the machine the table names', () => {
    for (const task of TASK_NAMES) {
      // A Lambda invoked by an integration (`lambda:invoke.waitForTaskToken`) is its FunctionName.
      const resources = tasksOf(task.machine).map(
        ({ state }) => (state.Parameters as AslObject | undefined)?.FunctionName ?? state.Resource,
      );

      expect(resources, task.taskId).toContain(`\${${task.placeholder}}`);
    }
  });
});

describe('State machine: executor polling', () => {
  it('polls with a JobInProgress Retry every 30 s, long enough for maxWaitMinutes up to 24 h', () => {
    const monitors = tasksOf('executor').filter(({ state }) =>
      ['MonitorJobFunctionArn', 'MonitorFailbackFunctionArn']
        .map((p) => `\${${p}}`)
        .includes(String(state.Resource)),
    );

    expect(monitors.map((m) => m.name).sort()).toEqual([
      'MonitorFailback',
      'MonitorRecovery',
      'MonitorTermination',
    ]);
    for (const { name, state } of monitors) {
      const poll = retrierFor(state, ErrorNames.JobInProgress);
      expect(poll, name).toMatchObject({ IntervalSeconds: 30, BackoffRate: 1 });
      expect(Number(poll?.MaxAttempts), name).toBeGreaterThanOrEqual((24 * 60 * 60) / 30);
      // The poll retrier comes first, so a JobInProgress never falls into another retrier.
      expect((retriers(state)[0]?.ErrorEquals as string[]) ?? [], name).toEqual([ErrorNames.JobInProgress]);
    }
  });

  it('has two Wait states, for long waits the monitor and the runbook steps ask for: a Wait/Task/Choice loop costs 3 transitions', () => {
    const waits = MACHINE_NAMES.flatMap((machine) =>
      walkStates(loadDefinition(machine))
        .filter((s) => s.state.Type === 'Wait')
        .map((s) => ({ machine, name: s.name, state: s.state })),
    );
    expect(waits.map((w) => `${w.machine}/${w.name}`)).toEqual(['executor/WaitBeforePoll', 'waves/StepWait']);
    // The step driver decides how long: between status checks, and before a retry.
    expect(waits[1]?.state).toMatchObject({ SecondsPath: '$.current.drive.waitSeconds', Next: 'StepWaited' });
    expect(waits[0]?.state).toMatchObject({ SecondsPath: '$.run.waitSeconds', Next: 'MonitorRecovery' });
    const states = Object.fromEntries(walkStates(loadDefinition('executor')).map((s) => [s.name, s.state]));
    expect(states['RecoveryDone?']?.Choices).toEqual([
      { Variable: '$.run.done', BooleanEquals: true, Next: 'GetRecoveryInstances' },
      { Variable: '$.run.waitSeconds', IsPresent: true, Next: 'WaitBeforePoll' },
    ]);
  });
});

describe('State machine: main failure handling', () => {
  it('fails validation with the error name and the Lambda error message as the cause', () => {
    const states = loadDefinition('main').States as Record<string, AslObject>;

    expect(states.ValidateInput?.Catch).toEqual([
      { ErrorEquals: ['ValidationError'], ResultPath: '$', Next: 'ParseValidationError' },
    ]);
    expect(states.FailValidation).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.Error',
      CausePath: '$.Cause.errorMessage',
    });
  });

  it('catches every failure after validation into a failed output', () => {
    const states = loadDefinition('main').States as Record<string, AslObject>;

    for (const name of ['DiscoverServers', 'PartitionByAccount', 'ExecutePerAccount', 'AggregateResults']) {
      const catchers = states[name]?.Catch as AslObject[];
      expect(catchers, name).toContainEqual({
        ErrorEquals: ['States.ALL'],
        ResultPath: '$.error',
        Next: 'AggregateFailure',
      });
    }
  });
});

describe('State machine: waves ends', () => {
  const states = loadDefinition('waves').States as Record<string, AslObject>;
  const fails = Object.entries(states).filter(([, s]) => s.Type === 'Fail');

  it('reaches its Fail states only after WriteRunbookReport, with the Error and Cause of the output the report records', () => {
    expect(fails.map(([name]) => name).sort()).toEqual(['ApprovalNotConfigured', 'NoWaves']);
    const end = states['RunbookEnd?'] as AslObject;
    expect(states.WriteRunbookReport).toMatchObject({
      Next: 'RunbookEnd?',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: 'RunbookEnd?' }],
    });
    for (const [name, fail] of fails) {
      // Only the end-of-runbook Choice leads to the Fail state, on the output's failState.
      const into = Object.entries(states)
        .filter(([, s]) => JSON.stringify(s).includes(`"Next":"${name}"`) || s.Default === name)
        .map(([from]) => from);
      expect(into, name).toEqual(['RunbookEnd?']);
      expect(end.Choices, name).toContainEqual({ Variable: '$.failState', StringEquals: name, Next: name });
      // The Pass that builds the failed output names this Fail state and gives its Error and Cause.
      const pass = states[`${name}Report`];
      expect(pass, name).toMatchObject({
        Type: 'Pass',
        Next: 'WriteRunbookReport',
        Parameters: { status: 'failed', failState: name, error: { Error: fail.Error, Cause: fail.Cause } },
      });
      expect(fail.Error, name).toBe(ErrorNames.ValidationError);
    }
  });

  it('ends every other way in a Succeed state after the report', () => {
    const end = states['RunbookEnd?'] as AslObject;
    expect(end.Default).toBe('RunbookDone');
    expect((end.Choices as AslObject[])[0]).toEqual({
      Not: { Variable: '$.failState', IsPresent: true },
      Next: 'RunbookDone',
    });
    expect(states.RunbookDone?.Type).toBe('Succeed');
  });
});

describe('State machines: Choice rules', () => {
  it('never test IsPresent/IsNull/IsString/... false (aws-local-stepfunctions answers false whatever the value: write Not instead)', () => {
    const negated = MACHINE_NAMES.flatMap((machine) =>
      [...JSON.stringify(loadDefinition(machine)).matchAll(/"(Is[A-Za-z]+)":false/g)].map(
        (m) => `${machine}: ${m[1]}`,
      ),
    );

    expect(negated).toEqual([]);
  });
});
