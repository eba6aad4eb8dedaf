/**
 * The emulator hosting our workflows (what `drs-orch serve` runs) for tests that drive the waves
 * and main state machines over the real SDK: the world, and the waits such tests share (an
 * approval's task token, an execution's end). Every world started here is stopped by
 * {@link stopWorkflowsWorlds}.
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { pendingToken } from '../../src/cli/approve.js';
import { loadLocalWorkflows } from '../../src/cli/targets/serve-workflows.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

/** The waves state machine of the orchestrator account. */
export const WAVES_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
/** The approval topic the tests' runbooks name. */
export const APPROVAL_TOPIC = 'arn:aws:sns:us-east-1:123456789012:dr-notifications';
/** The orchestrator's results bucket. */
export const RESULTS_BUCKET = 'drs-orchestration-results-123456789012';
/** The orchestrator account's keys on the emulator. */
export const ORCHESTRATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A running emulator with our workflows, and clients of the orchestrator account. */
export interface WorkflowsWorld {
  readonly emu: Emulator;
  readonly endpoint: string;
  readonly sfn: SFNClient;
  readonly s3: S3Client;
}

const worlds: WorkflowsWorld[] = [];

/**
 * Starts the demo fleet with our workflows at x600 virtual time.
 *
 * @example
 * afterEach(stopWorkflowsWorlds);
 * const { sfn } = await workflowsWorld();
 */
export async function workflowsWorld(): Promise<WorkflowsWorld> {
  const emu = await startEmulator({
    fleet: 'demo',
    timeScale: 600,
    stepFunctions: await loadLocalWorkflows(),
  });
  const common = { endpoint: emu.endpoint, region: 'us-east-1', credentials: ORCHESTRATOR_CREDENTIALS };
  const world = {
    emu,
    endpoint: emu.endpoint,
    sfn: new SFNClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
  };
  worlds.push(world);
  return world;
}

/** Stops the worlds {@link workflowsWorld} started. */
export async function stopWorkflowsWorlds(): Promise<void> {
  for (const world of worlds.splice(0)) {
    world.sfn.destroy();
    world.s3.destroy();
    await world.emu.stop();
  }
}

/** Polls `probe` every 50 ms until it returns a value (the test's own timeout bounds it). */
export async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The task token of the approval the execution waits on, once it waits (read from its history). */
export function waitingToken(sfn: SFNClient, executionArn: string): Promise<string> {
  return until(async () => {
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    return pendingToken(h.events ?? []);
  });
}

/** The execution as DescribeExecution answers once it is no longer RUNNING. */
export function executionEnd(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}
