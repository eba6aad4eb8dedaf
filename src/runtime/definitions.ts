/**
 * The state machine definitions (`statemachines/*.asl.json`) and the names that tie their Task
 * states to task functions (docs/design/data-flow.md, "Names"). No I/O beyond reading the files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The four workflows. */
export type MachineName = 'main' | 'executor' | 'waves' | 'drill-cleanup';

/** Every workflow, in dependency order. */
export const MACHINE_NAMES: readonly MachineName[] = ['main', 'executor', 'waves', 'drill-cleanup'];

/** The ASL file of each workflow, relative to the package root. */
export const MACHINE_FILES: Readonly<Record<MachineName, string>> = {
  main: 'statemachines/main-orchestrator.asl.json',
  executor: 'statemachines/staging-account-executor.asl.json',
  waves: 'statemachines/waves.asl.json',
  'drill-cleanup': 'statemachines/drill-cleanup.asl.json',
};

/**
 * Default state machine names (the last part of their ARNs). The executor's is the
 * `${ExecutorStateMachineName}` default of data-flow.md; the others are local defaults the
 * deployment may change.
 */
export const DEFAULT_STATE_MACHINE_NAMES: Readonly<Record<MachineName, string>> = {
  main: MAIN_STATE_MACHINE_NAME,
  executor: EXECUTOR_STATE_MACHINE_NAME,
  waves: WAVES_STATE_MACHINE_NAME,
  'drill-cleanup': 'drs-orchestration-drill-cleanup',
};

import {
  EXECUTOR_STATE_MACHINE_NAME,
  MAIN_STATE_MACHINE_NAME,
  TASK_NAMES,
  type TaskId,
  WAVES_STATE_MACHINE_NAME,
} from '../tasks/names.js';

export { TASK_NAMES, type TaskId, type TaskName } from '../tasks/names.js';

/** The Step Functions service integrations our definitions use. */
export const INTEGRATIONS = {
  startExecutionSync: 'arn:aws:states:::states:startExecution.sync:2',
  snsPublish: 'arn:aws:states:::sns:publish',
  snsPublishWaitForTaskToken: 'arn:aws:states:::sns:publish.waitForTaskToken',
  lambdaInvokeWaitForTaskToken: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
} as const;

/** The AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`) the local runtime runs: service -> SDK package. */
export const AWS_SDK_SERVICES = {
  ssm: '@aws-sdk/client-ssm',
  route53: '@aws-sdk/client-route-53',
} as const;

/** A service of {@link AWS_SDK_SERVICES}. */
export type AwsSdkService = keyof typeof AWS_SDK_SERVICES;

/** What a Task state's `Resource` is bound to locally. */
export type TaskBinding =
  | { readonly kind: 'task'; readonly taskId: TaskId }
  | { readonly kind: 'startExecution' }
  | { readonly kind: 'snsPublish'; readonly waitForTaskToken: boolean }
  /** `lambda:invoke.waitForTaskToken`: invokes `FunctionName` with `Payload`, then waits for the token's answer. */
  | { readonly kind: 'lambdaInvokeWaitForTaskToken' }
  /** `lambda:invoke`: invokes `FunctionName` with `Payload`; one of ours runs locally, any other through Lambda. */
  | { readonly kind: 'lambdaInvoke' }
  /** `aws-sdk:<service>:<action>`: the API call with the Task's `Parameters`, through the real SDK. */
  | { readonly kind: 'awsSdk'; readonly service: AwsSdkService; readonly action: string };

const byPlaceholder = new Map(TASK_NAMES.map((t) => [`\${${t.placeholder}}`, t]));
const byFunctionName = new Map(TASK_NAMES.map((t) => [t.functionName, t]));
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(:[A-Za-z0-9_$-]+)?$/;
const INTEGRATION_ARN = /^arn:aws[a-z-]*:states:::(.+)$/;

/**
 * Maps a Task `Resource` (a placeholder, a Lambda ARN of one of our functions, or a known
 * integration) to what the local runtime binds, or `undefined` when it is none of these.
 *
 * @example
 * bindingOf('${MonitorJobFunctionArn}'); // { kind: 'task', taskId: 'monitor-job' }
 * bindingOf('arn:aws:states:::sns:publish'); // { kind: 'snsPublish', waitForTaskToken: false }
 */
export function bindingOf(resource: string): TaskBinding | undefined {
  const placeholder = byPlaceholder.get(resource);
  if (placeholder) return { kind: 'task', taskId: placeholder.taskId };
  const lambda = LAMBDA_ARN.exec(resource);
  if (lambda) {
    const fn = byFunctionName.get(lambda[1] ?? '');
    return fn ? { kind: 'task', taskId: fn.taskId } : undefined;
  }
  const integration = INTEGRATION_ARN.exec(resource)?.[1];
  if (integration === 'states:startExecution.sync:2') return { kind: 'startExecution' };
  if (integration === 'sns:publish') return { kind: 'snsPublish', waitForTaskToken: false };
  if (integration === 'sns:publish.waitForTaskToken') return { kind: 'snsPublish', waitForTaskToken: true };
  if (integration === 'lambda:invoke.waitForTaskToken') return { kind: 'lambdaInvokeWaitForTaskToken' };
  if (integration === 'lambda:invoke') return { kind: 'lambdaInvoke' };
  const sdk = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(integration ?? '');
  if (sdk && Object.hasOwn(AWS_SDK_SERVICES, sdk[1] ?? '')) {
    return { kind: 'awsSdk', service: sdk[1] as AwsSdkService, action: sdk[2] as string };
  }
  return undefined;
}

/** A JSON object as found in an ASL file. */
export type AslObject = Record<string, unknown>;

/** A state of a definition, with the path of enclosing Map/Parallel states. */
export interface WalkedState {
  readonly name: string;
  readonly state: AslObject;
  /** Names of the Map/Parallel states around it (outermost first). */
  readonly parents: readonly string[];
}

function isObject(value: unknown): value is AslObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every state of a definition, including those inside Map iterators and Parallel branches. */
export function walkStates(definition: AslObject, parents: readonly string[] = []): WalkedState[] {
  const states = definition.States;
  if (!isObject(states)) return [];
  const found: WalkedState[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    found.push({ name, state, parents });
    const inner = [
      state.ItemProcessor,
      state.Iterator,
      ...(Array.isArray(state.Branches) ? state.Branches : []),
    ];
    for (const sub of inner) {
      if (isObject(sub)) found.push(...walkStates(sub, [...parents, name]));
    }
  }
  return found;
}

/** Every `${Name}` placeholder used anywhere in a definition. */
export function placeholdersOf(definition: unknown): string[] {
  const text = JSON.stringify(definition);
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1] as string))].sort();
}

/**
 * Replaces `${Name}` placeholders in every string of a definition (what CDK's
 * `definitionSubstitutions` does at deploy time).
 *
 * @throws {Error} naming the first placeholder without a value
 */
export function substitutePlaceholders<T>(definition: T, values: Readonly<Record<string, string>>): T {
  const text = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9]+)\}/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(
        `placeholder \${${name}} has no value; expected one of ${Object.keys(values).join(', ')}`,
      );
    // The value lands inside a JSON string.
    return JSON.stringify(value).slice(1, -1);
  });
  return JSON.parse(text) as T;
}

function packageRoot(): string {
  // src/runtime/definitions.ts and dist/src/runtime/definitions.js are both three levels below the root.
  return fileURLToPath(new URL('../../', import.meta.url)).replace(/dist[\\/]$/, '');
}

const cache = new Map<MachineName, AslObject>();

/**
 * The raw definition of a workflow (placeholders intact), read once from `statemachines/`.
 * Returns a fresh copy each time: callers may mutate it.
 */
export function loadDefinition(machine: MachineName): AslObject {
  let definition = cache.get(machine);
  if (!definition) {
    const file = new URL(MACHINE_FILES[machine], `file://${packageRoot().replace(/[\\/]?$/, '/')}`);
    definition = JSON.parse(readFileSync(file, 'utf8')) as AslObject;
    cache.set(machine, definition);
  }
  return structuredClone(definition);
}
