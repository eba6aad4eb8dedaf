/**
 * Who answers a runbook's approval pauses: the person at the terminal (approve / reject with a
 * comment), or `--approve all|WAVE...` given up front. The decision carries who, when and why,
 * and becomes the task output (or failure cause) recorded in the execution.
 */
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../runtime/types.js';
import type { CliIo } from './io.js';

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
export function waveOfRequest(request: ApprovalRequest): { number?: number; name?: string } {
  const m = /approve wave (\d+) of \d+ \((.*), [a-z]+\)$/.exec(request.subject ?? '');
  if (!m) return {};
  return { number: Number(m[1]), name: m[2] as string };
}

/** The task output of an approval (what `waves.asl.json` keeps in the wave's result). */
export function approvedOutput(by: string, at: Date, comment: string | undefined): Record<string, unknown> {
  return { approved: true, approvedBy: by, at: at.toISOString(), ...(comment ? { comment } : {}) };
}

/** The failure cause of a rejection: JSON, so that the report can show who, when and why. */
export function rejectionCause(by: string, at: Date, comment: string | undefined): string {
  return JSON.stringify({ rejectedBy: by, at: at.toISOString(), comment: comment ?? 'rejected' });
}

/** A decision of {@link decide}, before it becomes an {@link ApprovalDecision}. */
export interface Answer {
  readonly approve: boolean;
  readonly comment?: string;
}

/** Turns an answer into the runtime's decision. */
export function decision(answer: Answer, by: string, at: Date): ApprovalDecision {
  return answer.approve
    ? { approve: true, output: approvedOutput(by, at, answer.comment) }
    : { approve: false, error: 'ApprovalRejected', cause: rejectionCause(by, at, answer.comment) };
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

/** Asks on the terminal: approve or reject, then an optional comment. */
async function ask(io: CliIo, request: ApprovalRequest, signal: AbortSignal): Promise<Answer> {
  const rl = createInterface({
    input: io.stdin as NodeJS.ReadableStream,
    output: io.stderr as unknown as NodeJS.WritableStream,
    terminal: false,
  });
  try {
    io.stderr.write(`\n${request.message}\n\n`);
    for (;;) {
      const answer = (await rl.question('Approve this wave? [a]pprove / [r]eject: ', { signal }))
        .trim()
        .toLowerCase();
      if (answer === 'a' || answer === 'approve' || answer === 'y' || answer === 'yes') {
        const comment = (await rl.question('Comment (optional): ', { signal })).trim();
        return { approve: true, ...(comment && { comment }) };
      }
      if (answer === 'r' || answer === 'reject' || answer === 'n' || answer === 'no') {
        let comment = '';
        while (comment === '') comment = (await rl.question('Reason for the rejection: ', { signal })).trim();
        return { approve: false, comment };
      }
      io.stderr.write('please answer a (approve) or r (reject)\n');
    }
  } finally {
    rl.close();
  }
}

/** Options of {@link createApprover}. */
export interface ApproverOptions {
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
  readonly onDecision?: (request: ApprovalRequest, answer: Answer, by: string) => void;
}

/**
 * The approver of a runbook run. A wave not pre-approved is asked on the terminal; without a
 * terminal it is rejected with a cause saying how to approve it (never left waiting forever).
 */
export function createApprover(options: ApproverOptions): Approver {
  // Prompts one at a time (waves run in order, but be safe).
  let queue: Promise<unknown> = Promise.resolve();
  return (request, signal) => {
    const run = async (): Promise<ApprovalDecision> => {
      const wave = waveOfRequest(request);
      let answer: Answer;
      let by = options.operator;
      if (preApproved(options.approve, wave)) {
        answer = { approve: true, comment: 'pre-approved with --approve' };
      } else if (options.interactive) {
        options.beforePrompt?.();
        answer = await ask(options.io, request, signal);
      } else {
        by = 'drs-orch';
        answer = {
          approve: false,
          comment: `no terminal to ask on and wave ${wave.name ?? wave.number ?? '?'} was not pre-approved (pass --approve ${wave.name ?? 'all'})`,
        };
      }
      options.onDecision?.(request, answer, by);
      return decision(answer, by, options.now());
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };
}
