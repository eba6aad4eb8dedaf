/**
 * Pure translations from command-line values to the orchestration input (design 3.1). No I/O:
 * the caller reads `--input` and hands its parsed document in.
 */
import { UsageError } from './errors.js';

/** The orchestration actions, in the order help lists them. */
export const ACTIONS = ['failover', 'failback', 'drill', 'terminate', 'status'] as const;

/** One orchestration action. */
export type Action = (typeof ACTIONS)[number];

/** True when `value` names an orchestration action. */
export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/** The input-shaping flags of an action command, as commander hands them over (strings). */
export interface InputFlags {
  readonly tags?: readonly string[];
  readonly maxWait?: string;
  readonly continueOnFailure?: boolean;
  readonly parallelism?: string;
  readonly snapshot?: string;
  readonly notificationArn?: string;
  readonly nextPhaseThreshold?: string;
  readonly terminateNonDrill?: boolean;
  readonly olderThanMinutes?: string;
  readonly maxDataLoss?: string;
  readonly expectedServers?: string;
  readonly healthCheck?: string;
  readonly isDrill?: boolean;
  readonly correlationId?: string;
  readonly parentExecutionId?: string;
  readonly ticket?: string;
  readonly initiatedBy?: string;
}

/**
 * Which flag sets which input field, so that a contract problem at `/options/parallelism` can be
 * shown as `--parallelism`.
 */
export const FLAG_FOR_POINTER: Readonly<Record<string, string>> = {
  '/action': '<action>',
  '/tags': '--tags',
  '/options/maxWaitMinutes': '--max-wait',
  '/options/continueOnFailure': '--continue-on-failure',
  '/options/parallelism': '--parallelism',
  '/options/pointInTimeSnapshot': '--snapshot',
  '/options/notificationArn': '--notification-arn',
  '/options/nextPhaseThreshold': '--next-phase-threshold',
  '/options/terminateNonDrill': '--terminate-non-drill',
  '/options/olderThanMinutes': '--older-than-minutes',
  '/options/maxDataLossMinutes': '--max-data-loss',
  '/options/expectedServers': '--expected-servers',
  '/options/healthCheckMinutes': '--health-check',
  '/options/isDrill': '--is-drill',
  '/metadata/correlationId': '--correlation-id',
  '/metadata/parentExecutionId': '--parent-execution-id',
  '/metadata/ticketId': '--ticket',
  '/metadata/initiatedBy': '--initiated-by',
};

/** The flag behind a JSON pointer of the input (`/tags/DR-Wave` -> `--tags`), if any. */
export function flagForPointer(pointer: string): string | undefined {
  for (const [prefix, flag] of Object.entries(FLAG_FOR_POINTER)) {
    if (pointer === prefix || pointer.startsWith(`${prefix}/`)) return flag;
  }
  return undefined;
}

/**
 * Parses `--tags` values: each is `KEY=VALUE` or several joined by commas (`A=1,B=2`). The value
 * may contain `=`; AWS tag values cannot contain commas, so splitting on them is safe.
 *
 * @throws {UsageError} for a pair without `=` or with an empty key, or a key given twice with
 *   different values.
 * @example parseTags(['DR-Wave=1', 'DR-Application=HRP,DR-Tier=Web'])
 */
export function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    for (const pair of value.split(',')) {
      const at = pair.indexOf('=');
      if (at < 0) throw new UsageError(`--tags must be KEY=VALUE, got ${JSON.stringify(pair)}`);
      const key = pair.slice(0, at).trim();
      const tagValue = pair.slice(at + 1).trim();
      if (key === '') throw new UsageError(`--tags needs a key before "=", got ${JSON.stringify(pair)}`);
      const known = tags[key];
      if (known !== undefined && known !== tagValue) {
        throw new UsageError(
          `--tags gives ${key} twice (${JSON.stringify(known)} and ${JSON.stringify(tagValue)}); a server matches one value per key`,
        );
      }
      tags[key] = tagValue;
    }
  }
  return tags;
}

/** A whole number in decimal digits (`30`, `-1`, `007`): no `0x10`, `0o10`, `0b10`, `1e3` or `30.0`. */
const DECIMAL_INTEGER = /^-?\d+$/;
/** A decimal number (`0.5`, `.5`, `2`, `1000`): no hex, octal, binary, exponent or `Infinity`. */
const DECIMAL_NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a numeric flag, written in plain decimal digits. `Number()` would also read `0x10` as
 * 16, `1e3` as 1000 and `0b11` as 3: a value the operator did not write in the form the help shows
 * is refused, naming the flag and the form, rather than read as a number they may not have meant.
 * Range checks are the contract's job (its message names the limit).
 *
 * @throws {UsageError} when `value` is not a (whole, if `integer`) number in decimal digits.
 * @example parseNumber('--max-wait', '0x10', 'a whole number of minutes', true) // throws: --max-wait must be a whole number of minutes, got "0x10" (written in decimal digits, ...)
 */
export function parseNumber(flag: string, value: string, what: string, integer: boolean): number {
  const trimmed = value.trim();
  const pattern = integer ? DECIMAL_INTEGER : DECIMAL_NUMBER;
  const n = pattern.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    const form = integer ? 'decimal digits, such as 30' : 'decimal, such as 0.5 or 100';
    throw new UsageError(
      `${flag} must be ${what}, got ${JSON.stringify(value)} (written in ${form}; no hex, octal, binary or exponent)`,
    );
  }
  return n;
}

/** A plain JSON object, or undefined. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Builds the raw orchestration input from an optional `--input` document, the command's action
 * and the flags. Flags win over the document: `--tags` replaces its tags, option and metadata
 * flags replace single fields. The result is NOT validated yet (the contract does that).
 *
 * @param document the parsed `--input` document, when one was given
 * @param action the action named on the command line (`undefined` for `run`, which takes the document's)
 * @throws {UsageError} when the document names a different action than the command, or is not an object.
 */
export function buildInput(
  document: unknown,
  action: Action | undefined,
  flags: InputFlags,
): Record<string, unknown> {
  let raw: Record<string, unknown> = {};
  if (document !== undefined) {
    const obj = asObject(document);
    if (!obj) throw new UsageError('--input must hold a JSON object (design 3.1 input)');
    raw = structuredClone(obj);
  }
  if (action !== undefined) {
    const given = raw.action;
    if (given !== undefined && given !== action) {
      throw new UsageError(
        `--input says action ${JSON.stringify(given)} but the command is ${JSON.stringify(action)}; use the same action or \`drs-orch run --input FILE\``,
      );
    }
    raw.action = action;
  } else if (raw.action === undefined) {
    throw new UsageError('`drs-orch run` takes the action from --input, but the document has no "action"');
  }
  if (flags.tags !== undefined && flags.tags.length > 0) raw.tags = parseTags(flags.tags);

  // A document's options/metadata of the wrong type stay as they are, so the contract refuses
  // them by name (`/options must be object, got string`) instead of a silent `{}`.
  if (raw.options !== undefined && asObject(raw.options) === undefined) return raw;
  const options: Record<string, unknown> = { ...asObject(raw.options) };
  if (flags.maxWait !== undefined)
    options.maxWaitMinutes = parseNumber('--max-wait', flags.maxWait, 'a whole number of minutes', true);
  if (flags.continueOnFailure) options.continueOnFailure = true;
  if (flags.parallelism !== undefined) {
    options.parallelism =
      flags.parallelism.trim() === 'max'
        ? 'max'
        : parseNumber('--parallelism', flags.parallelism, 'a whole number of servers or "max"', true);
  }
  if (flags.snapshot !== undefined) options.pointInTimeSnapshot = flags.snapshot;
  if (flags.notificationArn !== undefined) options.notificationArn = flags.notificationArn;
  if (flags.nextPhaseThreshold !== undefined) {
    options.nextPhaseThreshold = parseNumber(
      '--next-phase-threshold',
      flags.nextPhaseThreshold,
      'a ratio between 0 and 1',
      false,
    );
  }
  if (flags.terminateNonDrill) options.terminateNonDrill = true;
  if (flags.olderThanMinutes !== undefined) {
    options.olderThanMinutes = parseNumber(
      '--older-than-minutes',
      flags.olderThanMinutes,
      'a whole number of minutes',
      true,
    );
  }
  if (flags.expectedServers !== undefined) {
    options.expectedServers = parseNumber(
      '--expected-servers',
      flags.expectedServers,
      'a whole number of source servers',
      true,
    );
  }
  if (flags.maxDataLoss !== undefined) {
    options.maxDataLossMinutes = parseNumber(
      '--max-data-loss',
      flags.maxDataLoss,
      'a whole number of minutes',
      true,
    );
  }
  if (flags.healthCheck !== undefined) {
    options.healthCheckMinutes = parseNumber(
      '--health-check',
      flags.healthCheck,
      'a whole number of minutes',
      true,
    );
  }
  if (flags.isDrill) options.isDrill = true;
  if (Object.keys(options).length > 0 || raw.options !== undefined) raw.options = options;

  if (raw.metadata !== undefined && asObject(raw.metadata) === undefined) return raw;
  const metadata: Record<string, unknown> = { ...asObject(raw.metadata) };
  if (flags.correlationId !== undefined) metadata.correlationId = flags.correlationId;
  if (flags.parentExecutionId !== undefined) metadata.parentExecutionId = flags.parentExecutionId;
  if (flags.ticket !== undefined) metadata.ticketId = flags.ticket;
  if (flags.initiatedBy !== undefined) metadata.initiatedBy = flags.initiatedBy;
  if (Object.keys(metadata).length > 0 || raw.metadata !== undefined) raw.metadata = metadata;
  return raw;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo (or `word` is a
 * prefix of exactly one candidate).
 *
 * @example closest('dril', ['failover', 'drill']) // 'drill'
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => c.startsWith(lower));
  if (lower.length >= 2 && prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(lower, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
