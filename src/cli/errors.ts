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

/**
 * A report's JSON no longer matches the SHA-256 its page was rendered from: the record was
 * changed after it was written. Exit 65 (EX_DATAERR), so a script can tell it from a typo.
 */
export class ReportMismatchError extends Error {
  override readonly name = 'ReportMismatchError';
}

/** Renders an unknown thrown value as one line (no stack). */
export function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const text = err.message.split('\n')[0] ?? '';
    return `${err.name}: ${text}`;
  }
  return String(err);
}

/** Node's error codes for a connection that could not be made or was dropped before an answer. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * The refusal for an AWS call that could not be made at all (nothing was started): an endpoint
 * nobody answers on, or no credentials. `undefined` for any other error, which keeps its meaning.
 *
 * @param where what was called, for the message (e.g. `--endpoint http://127.0.0.1:1`)
 * @example
 * catch (err) { throw unreachable(err, `Step Functions at ${endpoint}`) ?? err; }
 */
export function unreachable(err: unknown, where: string): UsageError | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'CredentialsProviderError') {
    return new UsageError(
      `no AWS credentials for ${where} (${err.message.split('\n')[0]}); configure the default credential chain (AWS_PROFILE, aws sso login, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`,
    );
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new UsageError(`cannot reach ${where} (${code}); check the endpoint and that it is running`);
  }
  return undefined;
}
