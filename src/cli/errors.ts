/**
 * The CLI's own error: a command line that cannot be run (unknown flag, malformed value, missing
 * file). Input documents that break the contract raise the contract's `ValidationError` instead.
 * Both end in exit code 64 with nothing started.
 */

/**
 * Invalid usage of `drs-orch`. The message is shown as is, so it names the flag or value and
 * says what is expected.
 *
 * @example
 * ```ts
 * throw new UsageError('--tags must be KEY=VALUE, got "DR-Wave"');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Renders an unknown thrown value as one line (no stack). */
export function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const text = err.message.split('\n')[0] ?? '';
    return `${err.name}: ${text}`;
  }
  return String(err);
}
