/**
 * check-approval: reads the answer to a wave's approval (the task output of SendTaskSuccess on the
 * waves workflow's RequestApproval state) through the one approval schema
 * (`schemas/approval-decision.schema.json`), so that the workflow's Choice then branches on a
 * value it made itself. Only `approved: true` in a well-formed answer lets the wave run: an
 * explicit `approved: false`, or `{"approved":"yes"}`, `[]`, `{}`, rejects it, recorded with why.
 * Without this step any SendTaskSuccess, whatever it said, launched the wave. No AWS access.
 */
import { type ApprovalDecision, approvalVerdict } from '../contract/approval.js';
import type { TaskDeps } from './deps.js';

/** The Task state's input: the answer as SendTaskSuccess gave it (any JSON). */
export interface CheckApprovalEvent {
  readonly answer?: unknown;
}

/**
 * The checked answer, kept as the wave's `approval`: the decision itself when approved, else
 * `approved: false` with the `cause` the workflow's ApprovalRejected end records (the same JSON
 * as a SendTaskFailure from `drs-orch approve --reject`: who, when, why).
 */
export type CheckedApproval =
  | (ApprovalDecision & { readonly approved: true })
  | { readonly approved: false; readonly cause: string };

/**
 * Checks one approval answer.
 *
 * @example
 * await checkApproval({ answer: { approved: false, comment: 'NOT approved' } }, deps)
 * // { approved: false, cause: '{"at":"2026-12-07T20:00:00.000Z","comment":"NOT approved"}' }
 */
export async function checkApproval(event: CheckApprovalEvent, deps: TaskDeps): Promise<CheckedApproval> {
  const verdict = approvalVerdict(event.answer);
  if (verdict.approved) return { ...verdict.decision, approved: true };
  // A malformed answer is rejected by drs-orch itself; an explicit "no" by whoever gave it.
  const by = verdict.decision === undefined ? 'drs-orch' : verdict.decision.approvedBy;
  deps.log?.warn('the approval answer rejects the wave', { reason: verdict.reason });
  return {
    approved: false,
    cause: JSON.stringify({
      ...(by !== undefined && { rejectedBy: by }),
      at: verdict.decision?.at ?? deps.now().toISOString(),
      comment: verdict.reason,
    }),
  };
}
