/**
 * Who answers a runbook's approval pauses: the person at the terminal (approve / reject with a
 * comment), or `--approve all|WAVE...` given up front. The decision carries who, when and why,
 * and becomes the answer to the approval's task token: SendTaskSuccess's output or
 * SendTaskFailure's cause, recorded in the execution. Deciding is separate from delivering: the
 * target sends the {@link ApprovalAnswer} (the local runtime's `answerTaskToken`, or the Step
 * Functions API over the wire).
 */
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { type ApprovalDecision, parseApprovalDecision } from '../contract/approval.js';
import { inertText } from '../core/inert-text.js';
import type { CliIo } from './io.js';

/** What the operator is asked about: a wave waiting for approval, as its SNS message announces it. */
export interface ApprovalQuestion {
  /** `DRS orchestration: approve wave 2 of 3 (application, drill)`: names the wave. */
  readonly subject?: string;
  /** The published message (wave, servers, results so far, the exact commands), shown as is. */
  readonly message: string;
}

/**
 * The answer to an approval's task token: SendTaskSuccess with `output` (JSON), or
 * SendTaskFailure with `error` and `cause`.
 */
export type ApprovalAnswer =
  | { readonly kind: 'success'; readonly output: ApprovalDecision }
  | { readonly kind: 'failure'; readonly error: 'ApprovalRejected'; readonly cause: string };

/**
 * Decides one approval. `signal` aborts when the wave stops waiting for another reason (timeout,
 * execution stopped): the question is then withdrawn and the promise rejects.
 */
export type ApprovalDecider = (question: ApprovalQuestion, signal: AbortSignal) => Promise<ApprovalAnswer>;

/** The operator's name as recorded: `user@host`, or `--initiated-by` when given. */
export function operatorName(given: string | undefined): string {
  if (given !== undefined && given !== '') return given;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

/** The wave a request is about: its number and name from the subject (`approve wave 2 of 3 (app, drill)`). */
export function waveOfRequest(request: ApprovalQuestion): { number?: number; name?: string } {
  // A manual step (`approve step confirm (wave 3 cutover, drill)`) is answered by its own name.
  const step = /approve step (.+) \(wave \d+ .*, [a-z]+\)$/.exec(request.subject ?? '');
  if (step) return { name: step[1] as string };
  const m = /approve wave (\d+) of \d+ \((.*), [a-z]+\)$/.exec(request.subject ?? '');
  if (!m) return {};
  return { number: Number(m[1]), name: m[2] as string };
}

/**
 * The task output of an approval (what `waves.asl.json`'s CheckApproval reads and keeps in the
 * wave's result), checked against the same schema (`schemas/approval-decision.schema.json`) before
 * it is sent: an answer the workflow would read as malformed (a comment over 4096 characters) is
 * refused here, not sent to reject the wave.
 *
 * @throws {ValidationError} naming the field (`/comment must be at most 4096 characters, got 5000`)
 */
export function approvedOutput(by: string, at: Date, comment: string | undefined): ApprovalDecision {
  return parseApprovalDecision({
    approved: true,
    approvedBy: by,
    at: at.toISOString(),
    ...(comment ? { comment } : {}),
  });
}

/** The failure cause of a rejection: JSON, so that the report can show who, when and why. */
export function rejectionCause(by: string, at: Date, comment: string | undefined): string {
  return JSON.stringify({ rejectedBy: by, at: at.toISOString(), comment: comment ?? 'rejected' });
}

/** The operator's decision, before it becomes an {@link ApprovalAnswer}. */
export interface Answer {
  readonly approve: boolean;
  readonly comment?: string;
}

/** Turns a decision into the answer to the approval's task token, with who and when. */
export function approvalAnswer(answer: Answer, by: string, at: Date): ApprovalAnswer {
  return answer.approve
    ? { kind: 'success', output: approvedOutput(by, at, answer.comment) }
    : { kind: 'failure', error: 'ApprovalRejected', cause: rejectionCause(by, at, answer.comment) };
}

/** Whether `--approve` values pre-approve the wave. */
export function preApproved(approve: readonly string[], wave: { number?: number; name?: string }): boolean {
  return approve.some(
    (a) =>
      a.toLowerCase() === 'all' ||
      (wave.name !== undefined && a.toLowerCase() === wave.name.toLowerCase()) ||
      (wave.number !== undefined && a === String(wave.number)),
  );
}

/**
 * The terminal's input ended (Ctrl-D, a closed pipe) before the operator answered: nobody is left
 * to ask, so the wave must not wait for an answer that cannot come.
 */
class TerminalClosed extends Error {
  override readonly name = 'TerminalClosed';
  constructor() {
    super('the terminal closed (end of input) before an answer');
  }
}

/**
 * Asks the person at the terminal about `question` (its message shown as is): approve or reject,
 * then a comment (required for a rejection). Knows nothing of how the answer is delivered.
 * Rejects when `signal` aborts (the question withdrawn), with {@link TerminalClosed} when the
 * input ends first.
 */
export async function askOperator(
  io: CliIo,
  question: ApprovalQuestion,
  signal: AbortSignal,
): Promise<Answer> {
  const rl = createInterface({
    input: io.stdin as NodeJS.ReadableStream,
    output: io.stderr as unknown as NodeJS.WritableStream,
    terminal: false,
  });
  // A pending question never settles when the input ends: end it ourselves.
  const ended = new AbortController();
  rl.once('close', () => ended.abort());
  const either = AbortSignal.any([signal, ended.signal]);
  const ask = async (prompt: string): Promise<string> => {
    try {
      return (await rl.question(prompt, { signal: either })).trim();
    } catch (err) {
      if (ended.signal.aborted && !signal.aborted) throw new TerminalClosed();
      throw err;
    }
  };
  try {
    // The message carries hostnames and tags from AWS: inert here too, whatever stream this is.
    io.stderr.write(`\n${inertText(question.message)}\n\n`);
    for (;;) {
      const answer = (await ask('Approve this wave? [a]pprove / [r]eject: ')).toLowerCase();
      if (answer === 'a' || answer === 'approve' || answer === 'y' || answer === 'yes') {
        const comment = await ask('Comment (optional): ');
        return { approve: true, ...(comment && { comment }) };
      }
      if (answer === 'r' || answer === 'reject' || answer === 'n' || answer === 'no') {
        let comment = '';
        while (comment === '') comment = await ask('Reason for the rejection: ');
        return { approve: false, comment };
      }
      io.stderr.write('please answer a (approve) or r (reject)\n');
    }
  } finally {
    rl.close();
  }
}

/** Options of {@link createApprovalDecider}. */
export interface ApprovalDeciderOptions {
  readonly io: CliIo;
  /** `--approve` values: `all`, wave names or numbers. */
  readonly approve: readonly string[];
  /** Recorded as approver. */
  readonly operator: string;
  /** The target's clock (virtual on sim). */
  readonly now: () => Date;
  /** Asks on the terminal for waves not pre-approved. */
  readonly interactive: boolean;
  /** Called around the prompt (stop and restart the live view). */
  readonly beforePrompt?: () => void;
  /** Told every decision, for the log. */
  readonly onDecision?: (question: ApprovalQuestion, answer: Answer, by: string) => void;
}

/**
 * Decides the approvals of a runbook run. A wave not pre-approved is asked on the terminal;
 * without a terminal, or when its input ends before an answer, it is rejected by `drs-orch` with a
 * cause saying why (never left waiting forever).
 */
export function createApprovalDecider(options: ApprovalDeciderOptions): ApprovalDecider {
  // Prompts one at a time (waves run in order, but be safe).
  let queue: Promise<unknown> = Promise.resolve();
  return (question, signal) => {
    const run = async (): Promise<ApprovalAnswer> => {
      const wave = waveOfRequest(question);
      let answer: Answer;
      let by = options.operator;
      if (preApproved(options.approve, wave)) {
        answer = { approve: true, comment: 'pre-approved with --approve' };
      } else if (options.interactive) {
        options.beforePrompt?.();
        try {
          answer = await askOperator(options.io, question, signal);
        } catch (err) {
          if (!(err instanceof TerminalClosed)) throw err;
          by = 'drs-orch';
          answer = { approve: false, comment: `${err.message} on wave ${wave.name ?? wave.number ?? '?'}` };
        }
      } else {
        by = 'drs-orch';
        answer = {
          approve: false,
          comment: `no terminal to ask on and wave ${wave.name ?? wave.number ?? '?'} was not pre-approved (pass --approve ${wave.name ?? 'all'})`,
        };
      }
      options.onDecision?.(question, answer, by);
      return approvalAnswer(answer, by, options.now());
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };
}
