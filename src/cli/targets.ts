/**
 * The real targets behind `main()`: picks sim, aws or sfn for a run and hosts `drs-orch serve`.
 * Loaded lazily by `main()` so that help and usage errors never load the AWS SDK or the emulator.
 */

import type { RunInvocation, ServeInvocation } from './invocations.js';
import type { CliIo } from './io.js';
import type { Session } from './session.js';

/**
 * Opens the target of an invocation.
 *
 * @throws {UsageError} for a configuration the target refuses (bad fleet file, no region, ...).
 */
export async function openSession(
  invocation: RunInvocation,
  io: CliIo,
  say: (text: string) => void,
): Promise<Session> {
  switch (invocation.target.target) {
    case 'sfn': {
      const { openSfnSession } = await import('./targets/sfn.js');
      return openSfnSession({ target: invocation.target, env: io.env });
    }
    case 'aws': {
      const { openAwsSession } = await import('./targets/local.js');
      return openAwsSession(invocation, io);
    }
    default: {
      const { openSimSession } = await import('./targets/local.js');
      return openSimSession(invocation, io, say);
    }
  }
}

/** `drs-orch serve`: the emulator on a port until SIGINT/SIGTERM; resolves to the exit code. */
export async function serve(invocation: ServeInvocation, io: CliIo): Promise<number> {
  const { runServe } = await import('./targets/serve.js');
  return runServe(invocation, io);
}
