/**
 * The runbook contract: validation of a runbook document against `schemas/runbook.schema.json`,
 * then of every wave as the orchestration input it becomes, and the translation into the input
 * of `statemachines/waves.asl.json`. Pure: the YAML/JSON text is parsed by the caller.
 */
import { ValidationError, type ValidationProblem } from './errors.js';
import type { Runbook, RunbookWave } from './generated/runbook.js';
import { parseOrchestrationInput } from './input.js';
import { checkSteps, type ResolvedStep, resolveSteps } from './runbook-steps.js';
import { runbookSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

/** Default seconds a wave waits for an approval decision. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 3600;

/** A valid runbook (defaults applied). */
export interface ParsedRunbook extends Runbook {
  readonly approval: { topicArn?: string; timeoutSeconds: number };
  readonly waves: [RunbookWave & { approval: boolean }, ...(RunbookWave & { approval: boolean })[]];
}

/** The input of `statemachines/waves.asl.json` for a runbook. */
export interface WavesInput {
  /** The runbook's name: the title of the runbook's evidence report (the workflow ignores it otherwise). */
  readonly name?: string;
  /** The runbook's description, shown in its evidence report (the workflow ignores it otherwise). */
  readonly description?: string;
  readonly action: Runbook['action'];
  readonly waves: readonly {
    readonly name: string;
    /** The wave's tags (empty for a wave of steps only). */
    readonly tags: Record<string, string>;
    /** False for a wave of steps only: no launches, its steps run as `before`. */
    readonly launch: boolean;
    readonly options: Record<string, unknown>;
    readonly approval: boolean;
    /** The wave may match no source server (otherwise an empty wave ends the runbook partial). */
    readonly allowEmpty: boolean;
    readonly rtoTargetMinutes?: number;
    /** Steps run before the launches (after the approval); a wave of steps only has all its steps here. */
    readonly before: readonly ResolvedStep[];
    /** Steps run after the launches reported nextPhaseReady. */
    readonly after: readonly ResolvedStep[];
    /** A step uses this wave's recovered instances: the workflow keeps them (else it keeps none). */
    readonly keepInstances: boolean;
  }[];
  readonly options: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly approval?: { readonly topicArn: string; readonly timeoutSeconds: number };
}

const validateRunbook = compileSchema<Runbook>(runbookSchema);

/** Moves a wave-input problem to where the runbook author wrote the field. */
function waveProblem(index: number, problem: ValidationProblem, wave: RunbookWave): ValidationProblem {
  const p = problem.pointer;
  if (p.startsWith('/options/')) {
    const field = p.slice('/options/'.length).split('/')[0] ?? '';
    const inWave = isRecord(wave.options) && field in wave.options;
    return { pointer: inWave ? `/waves/${index}${p}` : p, message: problem.message };
  }
  if (p.startsWith('/metadata')) return problem;
  if (p === '/action') return problem;
  return { pointer: `/waves/${index}${p}`, message: problem.message };
}

/**
 * Validates a runbook document (already parsed from YAML or JSON) and returns it with defaults.
 * Every wave is also checked as the orchestration input it becomes (runbook options merged with
 * the wave's), so a misspelled option or a bad tag is reported at the runbook's own pointer.
 *
 * @throws {ValidationError} naming every problem (`/waves/1/options/parallelism must be <= 200, got 500`).
 * @example parseRunbook({ action: 'drill', waves: [{ name: 'db', tags: { 'DR-Wave': '1' } }] })
 */
export function parseRunbook(raw: unknown): ParsedRunbook {
  const data: unknown = JSON.parse(JSON.stringify(raw ?? null));
  const problems: ValidationProblem[] = [];
  // Schema problems do not stop the wave checks below: an author fixing a runbook sees every
  // problem at once, not the option errors only after the wave errors are fixed.
  if (!validateRunbook(data)) problems.push(...problemsFrom(validateRunbook.errors, data));
  const schemaPointers = problems.map((p) => p.pointer);
  const covered = (pointer: string) =>
    schemaPointers.some((p) => pointer === p || pointer.startsWith(`${p}/`) || p === '');
  const doc = isRecord(data) ? data : {};
  const waves: unknown[] = Array.isArray(doc.waves) ? doc.waves : [];
  const seen = new Map<string, number>();
  waves.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const wave = raw as Partial<RunbookWave>;
    if (typeof wave.name === 'string') {
      const first = seen.get(wave.name.toLowerCase());
      if (first !== undefined) {
        problems.push({
          pointer: `/waves/${i}/name`,
          message: `must be unique, got ${JSON.stringify(wave.name)} again (wave ${first + 1} has it)`,
        });
      } else seen.set(wave.name.toLowerCase(), i);
    }
    const tags = isRecord(wave.tags) ? (wave.tags as Record<string, string>) : undefined;
    try {
      parseOrchestrationInput({
        action: doc.action,
        // A wave without usable tags is already reported; a stand-in tag still checks its options.
        tags: tags ?? { 'DR-Wave': '1' },
        options: {
          ...(isRecord(doc.options) ? doc.options : {}),
          ...(isRecord(wave.options) ? wave.options : {}),
          ...(wave.expectedServers !== undefined && { expectedServers: wave.expectedServers }),
        },
        metadata: isRecord(doc.metadata) ? doc.metadata : {},
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const p of err.problems) {
        const moved = waveProblem(i, p, wave as RunbookWave);
        if (covered(moved.pointer)) continue;
        // Runbook-wide problems are reported once, not once per wave.
        if (!problems.some((q) => q.pointer === moved.pointer && q.message === moved.message)) {
          problems.push(moved);
        }
      }
    }
  });
  for (const p of checkSteps(waves, covered)) {
    if (!problems.some((q) => q.pointer === p.pointer && q.message === p.message)) problems.push(p);
  }
  if (problems.length > 0) throw new ValidationError(problems, 'runbook');
  const runbook = data as Runbook;
  return {
    ...runbook,
    approval: {
      timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
      ...(runbook.approval ?? {}),
    },
  } as ParsedRunbook;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every step of a runbook, in the order they run, with the wave each belongs to. */
export function runbookSteps(runbook: ParsedRunbook): { wave: string; name: string; kind: string }[] {
  return runbook.waves.flatMap((w) =>
    [...(w.steps ?? w.before ?? []), ...(w.after ?? [])].map((s) => ({
      wave: w.name,
      name: s.name,
      kind: s.kind,
    })),
  );
}

/** Names of the waves that wait for approval. */
export function approvalWaves(runbook: ParsedRunbook): string[] {
  return runbook.waves.filter((w) => w.approval).map((w) => w.name);
}

/**
 * The input of `statemachines/waves.asl.json` for a runbook.
 *
 * @param topicArn where approval requests go (the runbook's, else the target's default topic)
 * @throws {ValidationError} when a wave needs approval and no topic is known.
 */
export function wavesInput(
  runbook: ParsedRunbook,
  extra: { readonly topicArn?: string; readonly metadata?: Record<string, unknown> } = {},
): WavesInput {
  const topicArn = runbook.approval.topicArn ?? extra.topicArn;
  const needsApproval = runbook.waves.some(
    (w) =>
      w.approval ||
      [...(w.before ?? []), ...(w.after ?? []), ...(w.steps ?? [])].some((s) => s.kind === 'manual'),
  );
  if (needsApproval && topicArn === undefined) {
    throw new ValidationError(
      [{ pointer: '/approval/topicArn', message: 'is required when a wave asks for approval' }],
      'runbook',
    );
  }
  const waves = runbook.waves.map((w, i) => {
    const previousLaunch = runbook.waves
      .slice(0, i)
      .reverse()
      .find((p) => p.steps === undefined)?.name;
    const context = {
      wave: w.name,
      approvalTimeoutSeconds: runbook.approval.timeoutSeconds,
      ...(topicArn !== undefined && { topicArn }),
      ...(previousLaunch !== undefined && { previousLaunch }),
    };
    const stepsOnly = w.steps !== undefined;
    return {
      name: w.name,
      tags: w.tags ?? {},
      launch: !stepsOnly,
      options: w.options ?? {},
      approval: w.approval,
      allowEmpty: w.allowEmpty === true,
      ...(w.rtoTargetMinutes !== undefined && { rtoTargetMinutes: w.rtoTargetMinutes }),
      before: stepsOnly
        ? resolveSteps(w.steps, { ...context, phase: 'steps' })
        : resolveSteps(w.before, { ...context, phase: 'before' }),
      after: resolveSteps(w.after, { ...context, phase: 'after' }),
    };
  });
  const used = new Set(
    waves.flatMap((w) =>
      [...w.before, ...w.after].flatMap((s) => (s.instancesFrom ? [s.instancesFrom.toLowerCase()] : [])),
    ),
  );
  return {
    ...(runbook.name !== undefined && { name: runbook.name }),
    ...(runbook.description !== undefined && { description: runbook.description }),
    action: runbook.action,
    waves: waves.map((w) => ({ ...w, keepInstances: used.has(w.name.toLowerCase()) })),
    options: runbook.options ?? {},
    metadata: {
      ...(runbook.metadata ?? {}),
      ...(extra.metadata ?? {}),
    },
    ...(topicArn !== undefined && {
      approval: { topicArn, timeoutSeconds: runbook.approval.timeoutSeconds },
    }),
  };
}
