/**
 * `drs-orch serve`: the embedded emulator on a fixed port for the AWS CLI, boto3 or any SDK,
 * until SIGINT/SIGTERM. With `--state-file`, the world is loaded at start and saved on exit.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Emulator, FleetError, resolveFleet, startEmulator } from '../../emulator/index.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { ServeInvocation } from '../program.js';

/** Resolves when the process is asked to stop. */
function stopRequested(): Promise<string> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serves the emulator and prints how to reach it (endpoint on stdout's first line, so scripts can
 * read it).
 *
 * @param until resolves when serving should end @default SIGINT or SIGTERM
 * @returns the exit code
 * @throws {UsageError} for an invalid fleet or a port already in use
 */
export async function runServe(
  invocation: ServeInvocation,
  io: CliIo,
  until: Promise<unknown> = stopRequested(),
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const statePath = invocation.stateFile !== undefined ? resolve(cwd, invocation.stateFile) : undefined;
  const resume = statePath !== undefined && (await exists(statePath));
  let emulator: Emulator;
  try {
    const base = { port: invocation.port, timeScale: invocation.timeScale };
    emulator = await startEmulator(
      resume && statePath !== undefined
        ? { ...base, state: statePath }
        : {
            ...base,
            fleet: await resolveFleet(invocation.fleet === 'demo' ? 'demo' : resolve(cwd, invocation.fleet)),
          },
    );
  } catch (err) {
    if (err instanceof FleetError) {
      throw new UsageError(
        `--fleet ${JSON.stringify(invocation.fleet)} is not a valid fleet: ${err.problems.slice(0, 5).join('; ')}`,
      );
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `--port ${invocation.port} is already in use; pick another port (0 picks a free one)`,
      );
    }
    if ((err as Error).name === 'StateFileError') {
      throw new UsageError(
        `--state-file ${JSON.stringify(invocation.stateFile)} cannot be used: ${(err as Error).message}`,
      );
    }
    throw err;
  }
  io.stdout.write(`${emulator.endpoint}\n`);
  io.stderr.write(
    [
      `drs-orch emulator listening on ${emulator.endpoint} (virtual time x${emulator.clock.timeScale}, ${resume ? `resumed from ${invocation.stateFile}` : `${invocation.fleet} fleet`})`,
      `  credentials: AWS_ACCESS_KEY_ID=${emulator.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${emulator.credentials.secretAccessKey} (orchestrator account ${emulator.state.orchestratorAccountId})`,
      `  try: aws --endpoint-url ${emulator.endpoint} --region us-east-1 sts get-caller-identity`,
      `  inspect: ${emulator.endpoint}/_emulator/time, /_emulator/accounts, /_emulator/calls`,
      '  Ctrl-C stops it',
      '',
    ].join('\n'),
  );
  await until;
  if (statePath !== undefined) {
    await emulator.state.save(statePath);
    io.stderr.write(`saved the world to ${invocation.stateFile}\n`);
  }
  await emulator.stop();
  return 0;
}
