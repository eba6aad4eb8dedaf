/**
 * `drs-orch serve`: the embedded emulator on a fixed port for the AWS CLI, boto3 or any SDK,
 * until SIGINT/SIGTERM (the emulator's `serveEmulator`), with our workflows on the local runtime
 * behind its Step Functions API (`serve-workflows.ts`: the emulator itself knows none). With `--state-file`, the world is loaded
 * at start when the file exists and saved on exit.
 */
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { serveEmulator } from '../../emulator/serve.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { ServeInvocation } from '../program.js';
import { loadLocalWorkflows } from './serve-workflows.js';
import { resolveFleetOption } from './sim-world.js';

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
 * Serves the emulator with the emulator's own `serveEmulator` and prints how to reach it: the
 * endpoint alone on stdout's first line (so scripts can read it), the banner on stderr.
 *
 * @param until resolves when serving should end @default SIGINT or SIGTERM
 * @returns the exit code
 * @throws {UsageError} for an invalid fleet, an unusable state file or a port already in use
 */
export async function runServe(
  invocation: ServeInvocation,
  io: CliIo,
  until: Promise<unknown> = stopRequested(),
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const statePath = invocation.stateFile !== undefined ? resolve(cwd, invocation.stateFile) : undefined;
  const resume = statePath !== undefined && (await exists(statePath));
  const fleet = invocation.fleet === 'demo' ? 'demo' : resolve(cwd, invocation.fleet);
  // Checked here so that a bad fleet is a usage error (64) before anything listens.
  if (!resume) await resolveFleetOption(invocation.fleet, cwd);
  let endpoint: string | undefined;
  const print = (line: string): void => {
    const listening = /listening on (\S+)/.exec(line);
    if (endpoint === undefined && listening?.[1] !== undefined) {
      endpoint = listening[1];
      io.stdout.write(`${endpoint}\n`);
    }
    io.stderr.write(`${line}\n`);
    if (listening && endpoint !== undefined) {
      io.stderr.write(
        `  try:         aws --endpoint-url ${endpoint} --region us-east-1 sts get-caller-identity\n`,
      );
      if (resume) io.stderr.write(`  world:       resumed from ${invocation.stateFile}\n`);
    }
  };
  const stop = until.then(async () => {
    // The emulator saves itself through its inspection API; the file then resumes with --state-file.
    if (statePath === undefined || endpoint === undefined) return;
    const res = await fetch(`${endpoint}/_emulator/state/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: statePath }),
    });
    io.stderr.write(
      res.ok
        ? `saved the world to ${invocation.stateFile}\n`
        : `could not save the world: HTTP ${res.status}\n`,
    );
  });
  try {
    await serveEmulator({
      // Our workflows, on the local runtime, behind the emulator's Step Functions API.
      stepFunctions: await loadLocalWorkflows(),
      port: invocation.port,
      timeScale: invocation.timeScale,
      fleet,
      ...(resume && statePath !== undefined && { state: statePath }),
      ...(statePath !== undefined && { saveDir: dirname(statePath) }),
      print,
      until: stop,
    });
  } catch (err) {
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
  return 0;
}
