/**
 * The baseline a competent engineer writes, with the real AWS SDK v3: every account at once; per
 * account list the source servers and keep the tagged ones, start them in 100-server jobs as far
 * as the DRS quotas allow (a launch refused with ServiceQuotaExceededException waits for the next
 * poll), and every 30 s ONE DescribeJobs with a `jobIDs` filter for all running jobs; a finished
 * job frees room for the next one.
 */
import { DescribeJobsCommand, DescribeSourceServersCommand } from '@aws-sdk/client-drs';
import {
  clientFor,
  matches,
  type NaiveAccount,
  type NaiveOptions,
  type NaiveResult,
  startUntilQuota,
} from './naive.js';

/** Servers per job: the per-job quota of current DRS accounts. */
export const COMPETENT_JOB_SIZE = 100;

async function runAccount(opts: NaiveOptions, account: NaiveAccount): Promise<NaiveResult> {
  const drs = await clientFor(opts, account, 'competent-recovery-script');
  try {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await drs.send(
        new DescribeSourceServersCommand({
          filters: {},
          maxResults: 1000,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const s of page.items ?? [])
        if (s.sourceServerID && matches(s, opts.tags)) ids.push(s.sourceServerID);
      nextToken = page.nextToken;
    } while (nextToken);
    const queue: string[][] = [];
    for (let i = 0; i < ids.length; i += COMPETENT_JOB_SIZE) queue.push(ids.slice(i, i + COMPETENT_JOB_SIZE));
    const running = new Map<string, string[]>();
    let launched = 0;
    let failed = 0;
    let jobs = 0;
    while (queue.length > 0 || running.size > 0) {
      jobs += await startUntilQuota(
        drs,
        queue,
        (batch) => batch,
        opts.isDrill,
        (batch, jobId) => running.set(jobId, batch),
      );
      await opts.sleep((opts.pollSeconds ?? 30) * 1000);
      const out = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [...running.keys()] } }));
      for (const job of out.items ?? []) {
        if (job.status !== 'COMPLETED' || !job.jobID || !running.has(job.jobID)) continue;
        running.delete(job.jobID);
        for (const p of job.participatingServers ?? []) {
          if (p.launchStatus === 'LAUNCHED') launched += 1;
          else failed += 1;
        }
      }
    }
    return { servers: ids.length, launched, failed, jobs };
  } finally {
    drs.destroy();
  }
}

/**
 * Runs the competent script to the end (accounts in parallel).
 *
 * @example
 * const r = await runCompetent({ endpoint, credentials, region: 'us-east-1', accounts, tags: { 'DR-Wave': '1' }, isDrill: true, sleep });
 */
export async function runCompetent(opts: NaiveOptions): Promise<NaiveResult> {
  const each = await Promise.all(opts.accounts.map((a) => runAccount(opts, a)));
  return each.reduce(
    (t, r) => ({
      servers: t.servers + r.servers,
      launched: t.launched + r.launched,
      failed: t.failed + r.failed,
      jobs: t.jobs + r.jobs,
    }),
    { servers: 0, launched: 0, failed: 0, jobs: 0 },
  );
}
