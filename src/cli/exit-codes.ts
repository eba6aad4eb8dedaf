/**
 * Exit codes of `drs-orch`. Scripts branch on them, so they never change meaning.
 */
import type { OrchestrationOutput } from '../contract/index.js';

/**
 * The exit codes (sysexits.h values for usage and internal errors).
 *
 * @example
 * ```sh
 * drs-orch drill --tags DR-Wave=1; [ $? -eq 2 ] && echo "partial: check failedServers"
 * ```
 */
export const ExitCode = {
  /** The orchestration succeeded (or the command did what it was asked). */
  Success: 0,
  /** Some servers failed with `continueOnFailure`: output status `partial`. */
  Partial: 2,
  /** Output status `failed`, or the execution failed without an output. */
  Failed: 3,
  /** `maxWaitMinutes` elapsed with work pending: output status `timeout`. */
  Timeout: 4,
  /** Invalid usage or input (EX_USAGE); nothing was started. */
  Usage: 64,
  /**
   * `drs-orch report`: the report's JSON does not match the SHA-256 its page carries (EX_DATAERR):
   * the record was changed after it was written.
   */
  ReportMismatch: 65,
  /** Anything unexpected (EX_SOFTWARE). */
  Internal: 70,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Maps an output's `status` to the process exit code. */
export function exitCodeForStatus(status: OrchestrationOutput['status']): ExitCodeValue {
  switch (status) {
    case 'success':
      return ExitCode.Success;
    case 'partial':
      return ExitCode.Partial;
    case 'timeout':
      return ExitCode.Timeout;
    default:
      return ExitCode.Failed;
  }
}
