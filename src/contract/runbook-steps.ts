/**
 * The steps of a runbook beyond DRS (`ssm-automation`, `ssm-command`, `lambda`, `dns`, `wait`,
 * `manual`): the checks the schema cannot express (which fields a kind uses, which wave's
 * instances a step acts on), the defaults, and the resolved form the waves workflow runs. Pure.
 */
import type { ValidationProblem } from './errors.js';
import type { RunbookDnsRecord, RunbookStep } from './generated/runbook.js';

/** The step kinds. */
export const STEP_KINDS = ['ssm-automation', 'ssm-command', 'lambda', 'dns', 'wait', 'manual'] as const;

/** One step kind. */
export type StepKind = (typeof STEP_KINDS)[number];

/** Where a step runs in its wave. */
export type StepPhase = 'before' | 'after' | 'steps';

/** Default seconds one attempt of a step may take. */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 3600;
/** Default seconds between a failed attempt and the next. */
export const DEFAULT_STEP_RETRY_INTERVAL_SECONDS = 30;
/** Default seconds between status checks of a step that waits for something. */
export const DEFAULT_STEP_POLL_SECONDS = 15;
/** Default TTL of a record a dns step writes. */
export const DEFAULT_DNS_TTL = 60;
/** SSM parameter path under which a dns step keeps the old values of the records it changed (saveAs). */
export const DNS_CHANGES_PATH = '/drs-orchestration/dns-changes';

/** The fields each kind uses beyond the common ones. */
const KIND_FIELDS: Readonly<Record<StepKind, readonly string[]>> = {
  'ssm-automation': [
    'document',
    'documentVersion',
    'parameters',
    'instancesParameter',
    'fromWave',
    'pollSeconds',
  ],
  'ssm-command': ['document', 'documentVersion', 'parameters', 'fromWave', 'pollSeconds'],
  lambda: ['function', 'payload', 'fromWave'],
  dns: ['hostedZoneId', 'records', 'saveAs', 'restore', 'fromWave', 'pollSeconds'],
  wait: ['minutes', 'healthCheckId', 'pollSeconds'],
  manual: ['instructions'],
};

const COMMON_FIELDS = new Set([
  'name',
  'kind',
  'description',
  'timeoutSeconds',
  'retries',
  'retryIntervalSeconds',
  'continueOnFailure',
]);

/** A recovered instance as a step sees it (from the wave's `recoveryInstances`). */
export interface StepInstance {
  readonly instanceId: string;
  /** The account that holds it: the server's recovery account, else its staging account. */
  readonly accountId?: string;
  readonly privateIp?: string;
  readonly hostname?: string;
}

/**
 * A step as the waves workflow runs it: every default applied, its place (wave and phase), and
 * the wave whose recovered instances it uses (`instancesFrom`, none when it uses none).
 */
export interface ResolvedStep extends RunbookStep {
  readonly kind: StepKind;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly retryIntervalSeconds: number;
  readonly continueOnFailure: boolean;
  readonly pollSeconds: number;
  readonly wave: string;
  readonly phase: StepPhase;
  /** The wave whose recovered instances the step uses, if it uses any. */
  readonly instancesFrom?: string;
  /** manual: the topic the request is published to (the runbook's approval topic). */
  readonly topicArn?: string;
}

/** A wave as {@link checkSteps} sees it (already schema-checked, or partly wrong). */
interface WaveLike {
  readonly name?: unknown;
  readonly tags?: unknown;
  readonly options?: unknown;
  readonly approval?: unknown;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly steps?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a step of this kind acts on recovered instances. */
function usesInstances(step: Record<string, unknown>): boolean {
  switch (step.kind) {
    case 'ssm-command':
      return true;
    case 'ssm-automation':
      return typeof step.instancesParameter === 'string';
    case 'lambda':
      return typeof step.fromWave === 'string';
    case 'dns':
      return (
        step.restore === undefined &&
        Array.isArray(step.records) &&
        step.records.some((r) => isRecord(r) && r.values === undefined)
      );
    default:
      return false;
  }
}

/** The steps of a wave with their phase and pointer. */
function stepsOf(wave: WaveLike, index: number): { step: unknown; phase: StepPhase; pointer: string }[] {
  const out: { step: unknown; phase: StepPhase; pointer: string }[] = [];
  for (const phase of ['before', 'after', 'steps'] as const) {
    const list = wave[phase];
    if (!Array.isArray(list)) continue;
    list.forEach((step, i) => {
      out.push({ step, phase, pointer: `/waves/${index}/${phase}/${i}` });
    });
  }
  return out;
}

/**
 * The problems of a runbook's steps the schema cannot see: the shape of a wave (launch or steps
 * only), fields a kind does not use or needs, unique step names, which wave's instances a step
 * uses (a manual step's topic is checked by `wavesInput`, which knows the target's default). Problems under `covered` pointers (already
 * reported by the schema) are left out.
 */
export function checkSteps(
  waves: readonly unknown[],
  covered: (pointer: string) => boolean,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (pointer: string, message: string): void => {
    if (!covered(pointer)) problems.push({ pointer, message });
  };
  const names = new Map<string, string>();
  const launched: string[] = [];
  waves.forEach((raw, w) => {
    if (!isRecord(raw)) return;
    const wave = raw as WaveLike;
    const waveName = typeof wave.name === 'string' ? wave.name : undefined;
    const stepsOnly = wave.steps !== undefined;
    if (stepsOnly) {
      for (const field of ['tags', 'options', 'before', 'after'] as const) {
        if (wave[field] !== undefined) {
          add(
            `/waves/${w}/${field}`,
            `is not allowed in a wave of steps only (it has steps); move the steps into before or after of a launch wave, or drop ${field}`,
          );
        }
      }
    } else if (wave.tags === undefined) {
      add(`/waves/${w}`, 'must have tags (a launch wave) or steps (a wave of steps only)');
    }
    for (const { step, phase, pointer } of stepsOf(wave, w)) {
      if (!isRecord(step)) continue;
      const kind = step.kind as StepKind;
      const known = KIND_FIELDS[kind];
      if (typeof step.name === 'string') {
        const key = step.name.toLowerCase();
        const first = names.get(key);
        if (first !== undefined) {
          add(
            `${pointer}/name`,
            `must be unique among the steps, got ${JSON.stringify(step.name)} again (${first} has it)`,
          );
        } else names.set(key, pointer);
      }
      if (known === undefined) continue;
      for (const field of Object.keys(step)) {
        if (COMMON_FIELDS.has(field) || known.includes(field)) continue;
        add(`${pointer}/${field}`, `is not used by a ${kind} step; expected one of ${known.join(', ')}`);
      }
      checkKind(step, kind, pointer, add);
      const from = typeof step.fromWave === 'string' ? step.fromWave : undefined;
      if (from !== undefined) {
        const ownAfter =
          phase === 'after' && waveName !== undefined && from.toLowerCase() === waveName.toLowerCase();
        if (!ownAfter && !launched.some((n) => n.toLowerCase() === from.toLowerCase())) {
          add(
            `${pointer}/fromWave`,
            `must name an earlier launch wave (or the step's own wave in after), got ${JSON.stringify(from)}; expected one of ${[...launched, ...(phase === 'after' && waveName ? [waveName] : [])].join(', ') || 'none: no wave launches before it'}`,
          );
        }
      } else if (usesInstances(step) && !(phase === 'after') && launched.length === 0) {
        add(
          pointer,
          `uses recovered instances but no wave launches before it; put it in after of a launch wave, or name one with fromWave`,
        );
      }
    }
    if (!stepsOnly && wave.tags !== undefined && waveName !== undefined) launched.push(waveName);
  });
  return problems;
}

function checkKind(
  step: Record<string, unknown>,
  kind: StepKind,
  pointer: string,
  add: (pointer: string, message: string) => void,
): void {
  const need = (field: string, why: string): void => {
    if (step[field] === undefined) add(`${pointer}/${field}`, `is required for a ${kind} step (${why})`);
  };
  switch (kind) {
    case 'ssm-automation':
    case 'ssm-command':
      need('document', 'the SSM document to run');
      return;
    case 'lambda':
      need('function', 'the function to invoke');
      return;
    case 'manual':
      need('instructions', 'what the operator must do before approving');
      return;
    case 'wait': {
      const both = step.minutes !== undefined && step.healthCheckId !== undefined;
      const neither = step.minutes === undefined && step.healthCheckId === undefined;
      if (both)
        add(
          `${pointer}/healthCheckId`,
          'cannot be given with minutes; a wait step waits for one or the other',
        );
      if (neither)
        add(`${pointer}/minutes`, 'is required for a wait step, or healthCheckId (wait until healthy)');
      return;
    }
    case 'dns': {
      if (step.restore !== undefined) {
        for (const field of ['hostedZoneId', 'records', 'saveAs'] as const) {
          if (step[field] !== undefined) {
            add(
              `${pointer}/${field}`,
              'cannot be given with restore; a restore step writes back what was saved',
            );
          }
        }
        return;
      }
      need('hostedZoneId', 'the zone of the records, or restore KEY');
      need('records', 'the records to change, or restore KEY');
      if (!Array.isArray(step.records)) return;
      step.records.forEach((raw, i) => {
        if (!isRecord(raw)) return;
        const r = raw as Partial<RunbookDnsRecord>;
        const at = `${pointer}/records/${i}`;
        if ((r.weight !== undefined || r.failover !== undefined) && r.setIdentifier === undefined) {
          add(`${at}/setIdentifier`, 'is required for a weighted or failover record');
        }
        if (r.weight !== undefined && r.failover !== undefined) {
          add(`${at}/failover`, 'cannot be given with weight; a record is weighted or failover, not both');
        }
        if (r.setIdentifier !== undefined && r.weight === undefined && r.failover === undefined) {
          add(`${at}/setIdentifier`, 'needs weight or failover (a simple record has no set identifier)');
        }
        if (r.type === 'CNAME' && (r.values === undefined || r.values.length !== 1)) {
          add(`${at}/values`, 'must hold exactly one value for a CNAME record (the name it points to)');
        }
      });
      return;
    }
  }
}

/** The resolved steps of one wave (defaults applied, instance source named). */
export function resolveSteps(
  steps: readonly RunbookStep[] | undefined,
  context: {
    readonly wave: string;
    readonly phase: StepPhase;
    readonly approvalTimeoutSeconds: number;
    /** The runbook's approval topic (manual steps are announced there). */
    readonly topicArn?: string;
    /** The nearest earlier launch wave, if any. */
    readonly previousLaunch?: string;
  },
): ResolvedStep[] {
  return (steps ?? []).map((step) => {
    const kind = step.kind as StepKind;
    const uses = usesInstances(step as unknown as Record<string, unknown>);
    const instancesFrom =
      step.fromWave ??
      (uses ? (context.phase === 'after' ? context.wave : context.previousLaunch) : undefined);
    return {
      ...step,
      kind,
      timeoutSeconds: step.timeoutSeconds ?? defaultTimeout(step, context.approvalTimeoutSeconds),
      retries: kind === 'manual' ? 0 : (step.retries ?? 0),
      retryIntervalSeconds: step.retryIntervalSeconds ?? DEFAULT_STEP_RETRY_INTERVAL_SECONDS,
      continueOnFailure: step.continueOnFailure ?? false,
      pollSeconds: step.pollSeconds ?? DEFAULT_STEP_POLL_SECONDS,
      wave: context.wave,
      phase: context.phase,
      ...(instancesFrom !== undefined && { instancesFrom }),
      ...(kind === 'manual' && context.topicArn !== undefined && { topicArn: context.topicArn }),
      ...(kind === 'dns' &&
        step.records !== undefined && {
          records: step.records.map((r) => ({ ...r, ttl: r.ttl ?? DEFAULT_DNS_TTL })),
        }),
    };
  });
}

function defaultTimeout(step: RunbookStep, approvalTimeoutSeconds: number): number {
  if (step.kind === 'manual') return approvalTimeoutSeconds;
  if (step.kind === 'wait' && step.minutes !== undefined) return step.minutes * 60 + 60;
  return DEFAULT_STEP_TIMEOUT_SECONDS;
}
