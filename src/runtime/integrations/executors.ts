/**
 * The executors port of a local run: start-executor and monitor-executor start and watch the
 * staging accounts' executors as in-process executions of this runtime (in the account and Region
 * they name, children of the main execution), with StartExecution's idempotency and
 * DescribeExecution's answers. On AWS the same tasks use the SDK (src/tasks/executors.ts).
 */
import type { ExecutionDescription } from '../../aws/ports.js';
import type { ExecutorsPort } from '../../aws/task-ports.js';
import { namedError } from '../errors.js';
import type { Execution, ExecutionHost, Outcome } from '../execution-host.js';

interface Started {
  readonly input: string;
  readonly startDate: Date;
  outcome?: Outcome;
  stopDate?: Date;
}

/** Executions started through the port, per run (a retried start finds its execution). */
const started = new WeakMap<ExecutionHost, Map<string, Started>>();

/** The executors port of the main execution `parent`. */
export function inProcessExecutors(host: ExecutionHost, parent: Execution): ExecutorsPort {
  let runs = started.get(host);
  if (!runs) {
    runs = new Map();
    started.set(host, runs);
  }
  const known = runs;
  const find = (executionArn: string): Started => {
    const run = known.get(executionArn);
    if (!run) throw namedError('ExecutionDoesNotExist', `execution does not exist: '${executionArn}'`);
    return run;
  };
  return {
    async start(account, name, input) {
      const executionArn = host.arns.execution('executor', account.region, account.accountId, name);
      const json = JSON.stringify(input);
      const existing = known.get(executionArn);
      if (existing) {
        // StartExecution of a STANDARD workflow: same name and input while running is the same call.
        if (existing.outcome === undefined && existing.input === json) {
          return { executionArn, startDate: existing.startDate };
        }
        throw namedError('ExecutionAlreadyExists', `execution already exists: '${executionArn}'`);
      }
      const run: Started = { input: json, startDate: host.env.now() };
      known.set(executionArn, run);
      const child = host.execute('executor', JSON.parse(json), {
        name,
        parent,
        region: account.region,
        accountId: account.accountId,
        account: { accountId: account.accountId, region: account.region, roleArn: account.roleArn },
      });
      child.then(
        ({ outcome }) => {
          run.outcome = outcome;
          run.stopDate = host.env.now();
        },
        (err: unknown) => {
          run.outcome = { status: 'FAILED', error: 'States.Runtime', cause: String(err) };
          run.stopDate = host.env.now();
        },
      );
      return { executionArn, startDate: run.startDate };
    },
    async describe(_account, executionArn) {
      const run = find(executionArn);
      const description: ExecutionDescription = {
        executionArn,
        status: run.outcome?.status ?? 'RUNNING',
        startDate: run.startDate,
      };
      if (run.stopDate) description.stopDate = run.stopDate;
      if (run.outcome?.status === 'SUCCEEDED') description.output = run.outcome.output ?? null;
      else if (run.outcome) {
        if (run.outcome.error !== undefined) description.error = run.outcome.error;
        if (run.outcome.cause !== undefined) description.cause = run.outcome.cause;
      }
      return description;
    },
    async stop(_account, executionArn, error, cause) {
      const run = find(executionArn);
      if (run.outcome === undefined) host.stop(executionArn, { error, cause });
    },
  };
}
