/**
 * SNS notification texts (design 10.3): started, completed, failed, partial.
 */
import type { Notification } from './model.js';
import type { ResultStatus } from './status.js';
import { formatTags } from './tags.js';

/** SNS rejects subjects longer than 100 characters. */
export const MAX_SUBJECT_LENGTH = 100;

/** Most failed server IDs listed in a failure message before "and N more". */
export const MAX_LISTED_FAILURES = 20;

function subjectOf(text: string): string {
  // SNS subjects must be one line of printable ASCII-ish text.
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return oneLine.length <= MAX_SUBJECT_LENGTH ? oneLine : `${oneLine.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

/** Facts of the *started* notification. */
export interface StartedFacts {
  topicArn: string;
  action: string;
  tags: Readonly<Record<string, string>>;
  correlationId: string;
  startTime: string;
}

/**
 * The *executionStarted* notification:
 * `DRS Orchestration Started: {action} for {tags}` / `Execution {correlationId} started at {startTime}`.
 *
 * @example
 * ```ts
 * startedNotification({ topicArn, action: 'drill', tags: { 'DR-Wave': '1' }, correlationId: 'c-1', startTime: '2024-12-12T14:00:00.000Z' });
 * // subject 'DRS Orchestration Started: drill for DR-Wave=1'
 * ```
 */
export function startedNotification(facts: StartedFacts): Notification {
  return {
    topicArn: facts.topicArn,
    subject: subjectOf(`DRS Orchestration Started: ${facts.action} for ${formatTags(facts.tags)}`),
    message: `Execution ${facts.correlationId} started at ${facts.startTime}`,
  };
}

/** Facts of the closing notification. */
export interface ResultFacts {
  topicArn: string;
  action: string;
  status: ResultStatus;
  total: number;
  succeeded: number;
  failed: number;
  /** ISO-8601 duration. */
  duration: string;
  /** IDs of failed (and timed-out) servers. */
  failedServerIds: readonly string[];
  /** The first error, or the run's error. */
  errorMessage?: string;
}

/**
 * The closing notification: *executionFailed* for failed, *partialSuccess* for partial, and
 * *executionCompleted* for success and timeout.
 */
export function resultNotification(facts: ResultFacts): Notification {
  if (facts.status === 'failed') {
    const ids = facts.failedServerIds;
    const shown = ids.slice(0, MAX_LISTED_FAILURES).join(', ');
    const more = ids.length > MAX_LISTED_FAILURES ? ` and ${ids.length - MAX_LISTED_FAILURES} more` : '';
    return {
      topicArn: facts.topicArn,
      subject: 'ALERT: DRS Orchestration Failed',
      message: `Failed servers: ${ids.length ? `${shown}${more}` : 'none'}. Error: ${facts.errorMessage ?? 'none'}`,
    };
  }
  if (facts.status === 'partial') {
    return {
      topicArn: facts.topicArn,
      subject: 'WARNING: DRS Orchestration Partial Success',
      message: `${facts.succeeded} succeeded, ${facts.failed} failed. Review required.`,
    };
  }
  return {
    topicArn: facts.topicArn,
    subject: subjectOf(`DRS Orchestration ${facts.status}: ${facts.action}`),
    message: `Completed: ${facts.succeeded}/${facts.total} servers. Duration: ${facts.duration}`,
  };
}
