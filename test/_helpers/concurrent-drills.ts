/**
 * Concurrent drills on `drs-orch serve`: a fleet whose servers each carry their own tag, a `serve`
 * process on it, N drills started at once with the SDK's StartExecution (one server each), and
 * what each ended with, as a line that holds no timing (for comparing runs at two time scales).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import { startServeProcess } from './serve-process.js';

const MAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
/** The tag that picks one execution's server. */
export const RUN_TAG = 'DR-Run';

/** Options of {@link runConcurrentDrills}. */
export interface ConcurrentDrillsOptions {
  readonly executions: number;
  /** `serve --time-scale`. @default serve's default */
  readonly timeScale?: number | undefined;
  /** Servers each drill recovers. @default 1 */
  readonly serversPerExecution?: number;
  /** Where the fleet file is written. */
  readonly dir: string;
}

/**
 * A fleet of `executions x serversPerExecution` continuously replicating servers, server i tagged
 * `DR-Run=<i mod executions>`.
 *
 * @returns the fleet file's path
 */
export function writeRunFleet(dir: string, executions: number, serversPerExecution = 1): string {
  const servers = executions * serversPerExecution;
  const fleet = generateFleet({ accounts: 2, serversPerAccount: Math.ceil(servers / 2), seed: 7 });
  let n = 0;
  const accounts = fleet.accounts.map((account) => ({
    ...account,
    sourceServers: (account.sourceServers ?? []).map((s) => {
      const tags: Record<string, string> = { ...s.tags };
      if (n < servers) tags[RUN_TAG] = String(n++ % executions);
      return { ...s, tags, replicationState: 'CONTINUOUS' as const };
    }),
  }));
  const file = join(dir, `run-fleet-${executions}x${serversPerExecution}.json`);
  writeFileSync(file, JSON.stringify({ ...fleet, accounts }));
  return file;
}

/**
 * Runs the drills and returns one line per execution (in start order): the execution's status,
 * the output's status and summary counts, the recovered and the failed servers (with the error).
 */
export async function runConcurrentDrills(opts: ConcurrentDrillsOptions): Promise<string[]> {
  const fleetFile = writeRunFleet(opts.dir, opts.executions, opts.serversPerExecution);
  const scale = opts.timeScale === undefined ? [] : ['--time-scale', String(opts.timeScale)];
  const { child, endpoint } = await startServeProcess(['--fleet', fleetFile, ...scale]);
  const sfn = new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 10,
  });
  try {
    const arns = await Promise.all(
      Array.from({ length: opts.executions }, async (_, i) => {
        const started = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: MAIN_ARN,
            name: `run-${i}`,
            input: JSON.stringify({ action: 'drill', tags: { [RUN_TAG]: String(i) } }),
          }),
        );
        return started.executionArn ?? '';
      }),
    );
    const outcomes: string[] = [];
    for (const executionArn of arns) {
      for (;;) {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (d.status !== 'RUNNING') {
          outcomes.push(describeOutcome(d.status ?? '', d.output));
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return outcomes;
  } finally {
    sfn.destroy();
    child.kill('SIGTERM');
  }
}

interface DrillOutput {
  status?: string;
  summary?: Record<string, unknown>;
  recoveryInstances?: { sourceServerId?: string }[];
  failedServers?: { sourceServerId?: string; errorCode?: string }[];
}

/** One execution's result without timings: what two time scales must agree on. */
function describeOutcome(status: string, output: string | undefined): string {
  const out = JSON.parse(output ?? '{}') as DrillOutput;
  const s = out.summary ?? {};
  const counts = ['totalServers', 'succeeded', 'failed', 'skipped', 'timedOut'].map(
    (k) => `${k}=${s[k] ?? 0}`,
  );
  const recovered = (out.recoveryInstances ?? []).map((r) => r.sourceServerId).sort();
  const failed = (out.failedServers ?? []).map((f) => `${f.sourceServerId}:${f.errorCode}`).sort();
  return `${status} ${out.status ?? '-'} ${counts.join(',')} recovered=[${recovered.join(',')}] failed=[${failed.join(',')}]`;
}
