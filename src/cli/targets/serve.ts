/**
 * `drs-orch serve`: the embedded emulator on a fixed port for the AWS CLI, boto3 or any SDK,
 * until SIGINT/SIGTERM, with our workflows on the local runtime behind its Step Functions API
 * (`serve-workflows.ts`: the emulator itself knows none).
 *
 * With `--state-file`, the world is as durable as the CLI's (`durable-world.ts`): `serve` holds
 * the file's lock while it runs (a second `serve` or a CLI run on the file exits 64 naming it),
 * every mutating call is in the write-ahead journal before its answer is sent (a `kill -9` loses
 * nothing that answered), the journal is compacted when it grows and on a clean exit.
 */
import { dirname, resolve } from 'node:path';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { banner } from '../../emulator/serve.js';
import type { S3State } from '../../emulator/services/s3/s3.js';
import type { SnsState } from '../../emulator/services/sns/sns.js';
import { UsageError } from '../errors.js';
import type { ServeInvocation } from '../invocations.js';
import type { CliIo } from '../io.js';
import { deployedResultsBucket } from '../runbook-runs.js';
import { type DurableWorld, openDurableWorld } from './durable-world.js';
import { loadLocalWorkflows } from './serve-workflows.js';
import { DEPLOYED_NOTIFICATION_TOPIC } from './sfn.js';
import { resolveFleetOption } from './sim-world.js';
import { realStatePath } from './state-file.js';

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

/**
 * `serve` stands in for the deployed stack, whose workflows publish approval requests to the
 * stack's notification topic (infra/names.ts), the default approval topic of `--target sfn`: a
 * runbook run with `--target sfn --endpoint` must find it in the world, whatever the fleet says.
 * Idempotent (CreateTopic), so a resumed world is unchanged.
 */
function addStackTopic(emulator: Emulator): void {
  const { orchestratorAccountId } = emulator.state;
  const region = emulator.state.account(orchestratorAccountId)?.region ?? 'us-east-1';
  const sns = emulator.state.services.get('sns') as SnsState | undefined;
  sns?.createTopic(orchestratorAccountId, region, DEPLOYED_NOTIFICATION_TOPIC);
  // And its results bucket, where `runbook --target sfn` keeps its run records (idempotent too).
  const s3 = emulator.state.services.get('s3') as S3State | undefined;
  s3?.createBucket(deployedResultsBucket(orchestratorAccountId, region), orchestratorAccountId, region);
}

/**
 * Serves the emulator and prints how to reach it: the endpoint alone on stdout's first line (so
 * scripts can read it), the banner on stderr.
 *
 * @param until resolves when serving should end @default SIGINT or SIGTERM
 * @returns the exit code
 * @throws {UsageError} for an invalid fleet, a state file that is damaged, locked or of another
 *   fleet, or a port already in use
 */
export async function runServe(
  invocation: ServeInvocation,
  io: CliIo,
  until: Promise<unknown> = stopRequested(),
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  // Checked here so that a bad fleet is a usage error (64) before anything listens.
  const fleet = await resolveFleetOption(invocation.fleet, cwd);
  const emulatorOptions = {
    // Our workflows, on the local runtime, behind the emulator's Step Functions API.
    stepFunctions: await loadLocalWorkflows(),
    port: invocation.port,
    timeScale: invocation.timeScale,
    // `POST /_emulator/state/save` writes next to the state file, or in the working directory.
    saveDir:
      invocation.stateFile !== undefined ? dirname(realStatePath(resolve(cwd, invocation.stateFile))) : cwd,
  };
  const say = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  let world: DurableWorld | undefined;
  let emulator: Emulator;
  try {
    if (invocation.stateFile !== undefined) {
      world = await openDurableWorld({
        fleet,
        fleetOption: invocation.fleet,
        stateFile: invocation.stateFile,
        cwd,
        reset: invocation.reset === true,
        command: 'drs-orch serve',
        emulator: emulatorOptions,
        say,
      });
      emulator = world.emulator;
    } else {
      emulator = await startEmulator({ ...emulatorOptions, fleet });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `--port ${invocation.port} is already in use; pick another port (0 picks a free one)`,
      );
    }
    throw err;
  }
  addStackTopic(emulator);
  io.stdout.write(`${emulator.endpoint}\n`);
  for (const line of banner(emulator)) say(line);
  say(`  try:         aws --endpoint-url ${emulator.endpoint} --region us-east-1 sts get-caller-identity`);
  if (world !== undefined) {
    say(
      world.resumed
        ? `  world:       resumed from ${invocation.stateFile} (every change is journaled before it answers)`
        : `  world:       ${invocation.stateFile} (every change is journaled before it answers)`,
    );
  }
  await until;
  if (world === undefined) {
    await emulator.stop();
    return 0;
  }
  await world.close();
  say(`saved the world to ${invocation.stateFile}`);
  return 0;
}
