/**
 * `drs-orch serve`: runs the emulator in the foreground, prints how to reach it, and stays up
 * until SIGINT/SIGTERM.
 */
import type { FaultPlan } from './faults.js';
import { type Emulator, type StepFunctionsBackendFactory, startEmulator } from './index.js';

/** Options of {@link serveEmulator}. */
export interface ServeOptions {
  /** @default 4566 */
  readonly port?: number;
  /** Fleet file path or `'demo'`. @default 'demo' */
  readonly fleet?: string;
  /** @default 1 */
  readonly timeScale?: number;
  readonly seed?: number;
  readonly faults?: FaultPlan;
  /** Resume from a saved state file. */
  readonly state?: string;
  /** Runs the Step Functions executions. @default none (no state machine hosted) */
  readonly stepFunctions?: StepFunctionsBackendFactory;
  /** The only folder `POST /_emulator/state/save` writes to. @default see `startEmulator` */
  readonly saveDir?: string;
  /** Where the banner goes. @default console.log */
  readonly print?: (line: string) => void;
  /** Resolves when the server should stop. @default the first SIGINT or SIGTERM */
  readonly until?: Promise<unknown>;
}

/** The lines printed when the emulator is up. */
export function banner(emu: Emulator): string[] {
  const servers = (accountId: string) => emu.drs.account(accountId)?.servers().length ?? 0;
  const staging = emu.state.accounts().filter((a) => servers(a.accountId) > 0);
  const workflows = emu.stateMachines(emu.state.orchestratorAccountId);
  return [
    `drs-orch emulator listening on ${emu.endpoint}`,
    `  credentials: AWS_ACCESS_KEY_ID=${emu.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${emu.credentials.secretAccessKey} (account ${emu.state.orchestratorAccountId})`,
    `  time scale:  ${emu.clock.timeScale}x, virtual now ${emu.clock.now().toISOString()}`,
    `  accounts:    ${staging.map((a) => `${a.accountId} (${a.region}, ${servers(a.accountId)} servers)`).join(', ')}`,
    `  workflows:   ${workflows.length > 0 ? `${workflows[0]?.arn} (Step Functions API)` : 'none (no Step Functions backend)'}`,
    `  inspect:     ${emu.endpoint}/_emulator/time | /calls | /jobs | /instances | /faults | /state`,
    '  stop with Ctrl-C',
  ];
}

/** Starts the emulator and keeps it running until `until` resolves (default: Ctrl-C). */
export async function serveEmulator(opts: ServeOptions = {}): Promise<void> {
  const emu = await startEmulator({
    port: opts.port ?? 4566,
    fleet: opts.fleet ?? 'demo',
    timeScale: opts.timeScale ?? 1,
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.faults === undefined ? {} : { faults: opts.faults }),
    ...(opts.state === undefined ? {} : { state: opts.state }),
    ...(opts.stepFunctions === undefined ? {} : { stepFunctions: opts.stepFunctions }),
    ...(opts.saveDir === undefined ? {} : { saveDir: opts.saveDir }),
  });
  const print = opts.print ?? ((line: string) => console.log(line));
  for (const line of banner(emu)) print(line);
  const until =
    opts.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await until;
  await emu.stop();
}
