/**
 * The naive baseline many recovery scripts use, with the real AWS SDK v3: accounts one after the
 * other; per account list every source server and keep those with the tags; one StartRecovery per
 * server; every 30 s one DescribeJobs per running server. A launch refused by a DRS quota
 * (ServiceQuotaExceededException) is tried again after the next poll.
 */
import {
  DescribeJobsCommand,
  DescribeSourceServersCommand,
  DrsClient,
  type SourceServer,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** A staging account the script works through. */
export interface NaiveAccount {
  readonly accountId: string;
  readonly region: string;
  readonly roleArn: string;
}

/** Options of {@link runNaive}. */
export interface NaiveOptions {
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Orchestrator region (STS). */
  readonly region: string;
  readonly accounts: readonly NaiveAccount[];
  /** Every tag must match. */
  readonly tags: Readonly<Record<string, string>>;
  readonly isDrill: boolean;
  /** Waits virtual milliseconds. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Seconds between polls. @default 30 */
  readonly pollSeconds?: number;
}

/** What the script achieved. */
export interface NaiveResult {
  readonly servers: number;
  readonly launched: number;
  readonly failed: number;
  readonly jobs: number;
}

/** Whether a server carries every requested tag (AND), as a script filtering by tags would. */
export function matches(server: SourceServer, tags: Readonly<Record<string, string>>): boolean {
  return Object.entries(tags).every(([k, v]) => server.tags?.[k] === v);
}

/** A DRS client in the account's Region, through its staging role (as any script would assume it). */
export async function clientFor(
  opts: NaiveOptions,
  account: NaiveAccount,
  sessionName = 'naive-recovery-script',
): Promise<DrsClient> {
  const sts = new STSClient({ region: opts.region, endpoint: opts.endpoint, credentials: opts.credentials });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: account.roleArn, RoleSessionName: sessionName }),
  );
  sts.destroy();
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`assume role ${account.roleArn} gave no keys`);
  return new DrsClient({
    region: account.region,
    endpoint: opts.endpoint,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    },
  });
}

/**
 * Starts the queued launches in order, one StartRecovery each, until DRS refuses one with
 * ServiceQuotaExceededException: that one and the rest stay queued for after the next poll, as
 * both scripts do. `started` is told each launch with its job id; resolves to how many started.
 */
export async function startUntilQuota<T>(
  drs: DrsClient,
  queue: T[],
  serversOf: (launch: T) => readonly string[],
  isDrill: boolean,
  started: (launch: T, jobId: string) => void,
): Promise<number> {
  let count = 0;
  while (queue.length > 0) {
    const launch = queue[0] as T;
    try {
      const out = await drs.send(
        new StartRecoveryCommand({
          sourceServers: serversOf(launch).map((sourceServerID) => ({ sourceServerID })),
          isDrill,
        }),
      );
      started(launch, out.job?.jobID ?? '');
      count += 1;
      queue.shift();
    } catch (err) {
      if ((err as Error).name === 'ServiceQuotaExceededException') break;
      throw err;
    }
  }
  return count;
}

async function runAccount(opts: NaiveOptions, account: NaiveAccount): Promise<NaiveResult> {
  const drs = await clientFor(opts, account);
  try {
    const queue: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await drs.send(
        new DescribeSourceServersCommand({ filters: {}, ...(nextToken ? { nextToken } : {}) }),
      );
      for (const s of page.items ?? [])
        if (s.sourceServerID && matches(s, opts.tags)) queue.push(s.sourceServerID);
      nextToken = page.nextToken;
    } while (nextToken);
    const servers = queue.length;
    const running = new Map<string, string>();
    let launched = 0;
    let failed = 0;
    let jobs = 0;
    while (queue.length > 0 || running.size > 0) {
      jobs += await startUntilQuota(
        drs,
        queue,
        (id) => [id],
        opts.isDrill,
        (id, jobId) => running.set(id, jobId),
      );
      await opts.sleep((opts.pollSeconds ?? 30) * 1000);
      for (const [id, jobId] of [...running]) {
        const out = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobId] } }));
        const job = out.items?.[0];
        if (job?.status !== 'COMPLETED') continue;
        running.delete(id);
        const status = job.participatingServers?.find((p) => p.sourceServerID === id)?.launchStatus;
        if (status === 'LAUNCHED') launched += 1;
        else failed += 1;
      }
    }
    return { servers, launched, failed, jobs };
  } finally {
    drs.destroy();
  }
}

/**
 * Runs the naive script to the end.
 *
 * @example
 * const r = await runNaive({ endpoint, credentials, region: 'us-east-1', accounts, tags: { 'DR-Wave': '1' }, isDrill: true, sleep });
 */
export async function runNaive(opts: NaiveOptions): Promise<NaiveResult> {
  const total = { servers: 0, launched: 0, failed: 0, jobs: 0 };
  for (const account of opts.accounts) {
    const r = await runAccount(opts, account);
    total.servers += r.servers;
    total.launched += r.launched;
    total.failed += r.failed;
    total.jobs += r.jobs;
  }
  return total;
}
