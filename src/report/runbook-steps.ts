/**
 * A runbook's steps as step-log entries of the evidence report: each step's record (what the
 * waves workflow keeps in `waves.wave<N>.steps[]`, or `steps[]` of a runbook a step stopped) as
 * one entry with its times, its status and a one-line detail (what it did, or why it failed).
 * Pure; the shape is the report's step-log entry (`time`, `endTime`, `step`, `status`, `detail`).
 */

/** One step-log entry. */
export interface RunbookStepEntry {
  readonly time: string;
  readonly endTime?: string;
  /** `ssm-command db-smoke-test` */
  readonly step: string;
  /** `succeeded`, `failed`, or `failed (continued)` when continueOnFailure let the runbook go on. */
  readonly status: string;
  readonly detail?: string;
}

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a step did, in a few words, from its result. */
function summary(kind: string, result: unknown): string | undefined {
  if (!isRecord(result)) return undefined;
  if (kind === 'ssm-command' && Array.isArray(result.instances)) {
    const all = result.instances.filter(isRecord);
    const ok = all.filter((i) => i.status === 'Success').length;
    return `command ${str(result.commandId) ?? '?'}: ${ok} of ${all.length} instances Success`;
  }
  if (kind === 'ssm-automation')
    return `automation ${str(result.automationExecutionId) ?? '?'} ${str(result.status) ?? ''}`.trim();
  if (kind === 'dns' && Array.isArray(result.records)) {
    const records = result.records.filter(isRecord);
    const names = records.map((r) => `${str(r.Name) ?? '?'} ${str(r.Type) ?? ''}`.trim());
    return `${names.join(', ')} in ${str(result.hostedZoneId) ?? '?'} (${str(result.changeId) ?? 'change'} INSYNC)`;
  }
  if (kind === 'dns' && (Array.isArray(result.restored) || Array.isArray(result.deleted))) {
    const restored = Array.isArray(result.restored) ? result.restored.length : 0;
    const deleted = Array.isArray(result.deleted) ? result.deleted.length : 0;
    return `restored ${restored}, deleted ${deleted} record set(s) from ${str(result.restoredFrom) ?? '?'}`;
  }
  if (kind === 'wait' && typeof result.waitedMinutes === 'number')
    return `waited ${result.waitedMinutes} min`;
  if (kind === 'wait' && typeof result.healthy === 'number') {
    return `health check ${str(result.healthCheckId) ?? '?'}: ${result.healthy} of ${String(result.checkers)} checkers healthy`;
  }
  if (kind === 'manual' && result.approved === true) {
    return `approved by ${str(result.approvedBy) ?? '?'}${str(result.comment) ? `: ${str(result.comment)}` : ''}`;
  }
  const text = JSON.stringify(result);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * The step-log entries of a wave's step records (anything else gives none).
 *
 * @example runbookStepEntries([{ name: 'dns', kind: 'dns', status: 'succeeded', startedAt, endedAt, result }])
 * // [{ time: startedAt, endTime: endedAt, step: 'dns dns', status: 'succeeded', detail: 'app.example.com. A in Z1 (...)' }]
 */
export function runbookStepEntries(steps: unknown): RunbookStepEntry[] {
  if (!Array.isArray(steps)) return [];
  return steps.filter(isRecord).flatMap((s) => {
    const time = str(s.startedAt);
    const name = str(s.name);
    const kind = str(s.kind) ?? 'step';
    if (time === undefined || name === undefined) return [];
    const error = isRecord(s.error) ? s.error : undefined;
    const attempts = Array.isArray(s.attempts) ? s.attempts.length : 1;
    const detail = error
      ? `${str(error.error) ?? 'Error'}: ${str(error.cause) ?? ''}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`
      : summary(kind, s.result);
    const status = str(s.status) ?? 'unknown';
    return [
      {
        time,
        ...(str(s.endedAt) !== undefined && { endTime: str(s.endedAt) as string }),
        step: `${kind} ${name}`,
        status: status === 'failed' && s.continued === true ? 'failed (continued)' : status,
        ...(detail !== undefined && detail !== '' && { detail }),
      },
    ];
  });
}
