/**
 * The approval decision contract: every answer to a wave's approval (the task output of
 * SendTaskSuccess on the waves workflow's RequestApproval state) is read through the one schema,
 * `schemas/approval-decision.schema.json`. The wave runs only on an answer that matches it and says
 * `approved: true`; `approved: false` and anything malformed reject it. Pure.
 */
import { ValidationError } from './errors.js';
import type { ApprovalDecision } from './generated/approval-decision.js';
import { approvalDecisionSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

export type { ApprovalDecision } from './generated/approval-decision.js';

const validateDecision = compileSchema<ApprovalDecision>(approvalDecisionSchema);

/**
 * Checks an approval answer against the schema.
 *
 * @throws {ValidationError} (subject `approval answer`) naming every problem, e.g.
 *   `/approved must be boolean, got string "yes"`.
 * @example parseApprovalDecision({ approved: true, approvedBy: 'alice@ops' })
 */
export function parseApprovalDecision(value: unknown): ApprovalDecision {
  // A copy: ajv must never touch the caller's object (the schema has no defaults, but be safe).
  const data: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  if (!validateDecision(data)) {
    throw new ValidationError(problemsFrom(validateDecision.errors, data), 'approval answer');
  }
  return data;
}

/** What an answer means: approved (the wave runs) or rejected, with why. */
export type ApprovalVerdict =
  | { readonly approved: true; readonly decision: ApprovalDecision }
  | {
      readonly approved: false;
      /** The answer, when it matched the schema (an explicit `approved: false`). */
      readonly decision?: ApprovalDecision;
      /** Why the wave does not run: the answer's comment, or what is malformed in it. */
      readonly reason: string;
    };

/**
 * Reads an approval answer: only a well-formed answer with `approved: true` approves. An explicit
 * `approved: false` rejects with its comment; anything else (`{"approved":"yes"}`, `[]`, `{}`,
 * unknown fields) rejects as `malformed approval answer: ...` naming what does not match.
 *
 * @example approvalVerdict({ approved: 'yes' })
 * // { approved: false, reason: 'malformed approval answer: /approved must be boolean, got string "yes"' }
 */
export function approvalVerdict(answer: unknown): ApprovalVerdict {
  let decision: ApprovalDecision;
  try {
    decision = parseApprovalDecision(answer);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const problems = err.problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ');
    return { approved: false, reason: `malformed approval answer: ${problems}` };
  }
  if (decision.approved) return { approved: true, decision };
  return { approved: false, decision, reason: decision.comment || 'the answer says approved: false' };
}
