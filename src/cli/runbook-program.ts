/**
 * The command lines of `drs-orch runbook`, `drs-orch report` and `drs-orch approve`, and the
 * `--runbook` flag of `plan`. Parsing only; kept apart from program.ts so each stays small.
 */
import { type Command, Option } from 'commander';
import type { ApproveInvocation } from './approve.js';
import { UsageError } from './errors.js';
import { REPORTS_DIR, type ReportInvocation } from './reports.js';
import type { RunbookInvocation } from './runbook.js';
import {
  addRunOptions,
  givenOptions,
  parseRegion,
  parseUrl,
  type RawRunOptions,
  targetAndOutput,
} from './target-options.js';

/** What the runbook commands capture. */
export type RunbookCommandInvocation = RunbookInvocation | ReportInvocation | ApproveInvocation;

interface RawRunbookOptions extends RawRunOptions {
  approve?: string[];
  ticket?: string;
  initiatedBy?: string;
  correlationId?: string;
  newRun?: boolean;
}

/** Metadata flags shared by runbook runs and plans. */
function metadataOf(o: RawRunbookOptions): Record<string, string> {
  return {
    ...(o.ticket !== undefined && { ticketId: o.ticket }),
    ...(o.initiatedBy !== undefined && { initiatedBy: o.initiatedBy }),
    ...(o.correlationId !== undefined && { correlationId: o.correlationId }),
  };
}

/** Adds `--ticket`, `--initiated-by`, `--correlation-id`. */
function addMetadataOptions(cmd: Command): Command {
  return cmd
    .option('--ticket <id>', 'change ticket (metadata.ticketId)')
    .option('--initiated-by <who>', 'who started it (metadata.initiatedBy; default user@host)')
    .option('--correlation-id <id>', 'idempotency and tracing key (metadata.correlationId)');
}

/** The `plan --runbook FILE` invocation, or undefined when `--runbook` was not given. */
export function planRunbookInvocation(
  o: RawRunbookOptions & { runbook?: string },
  given: ReadonlySet<string> = new Set(),
): RunbookInvocation | undefined {
  if (o.runbook === undefined) return undefined;
  if (o.tags !== undefined && o.tags.length > 0) {
    throw new UsageError('plan --runbook takes the tags from the runbook; drop --tags');
  }
  return {
    kind: 'plan-runbook',
    file: o.runbook,
    approve: [],
    metadata: metadataOf(o),
    ...targetAndOutput('plan', o, 'main', given),
  };
}

/**
 * Adds `runbook`, `report` and `approve` to the program.
 *
 * @param capture receives the invocation of the command that ran
 */
export function addRunbookCommands(program: Command, capture: (inv: RunbookCommandInvocation) => void): void {
  const runbook = program
    .command('runbook')
    .description('run a runbook (YAML or JSON): ordered waves with approvals, then an evidence report')
    .argument('<file>', 'the runbook (schemas/runbook.schema.json)')
    .option(
      '--approve <wave...>',
      'pre-approve waves by name or number, or all (otherwise the terminal asks)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)],
    )
    .option(
      '--new-run',
      'start a new run of the runbook, not the one its run record names (an edited runbook, a failover run again)',
    );
  addRunOptions(addMetadataOptions(runbook), true).action(function (this: Command, file: string) {
    const o = this.opts<RawRunbookOptions>();
    capture({
      kind: 'runbook',
      file,
      approve: o.approve ?? [],
      metadata: metadataOf(o),
      ...(o.newRun === true && { newRun: true }),
      // On sfn, --state-machine-arn names the deployed waves state machine.
      ...targetAndOutput('run', o, 'waves', givenOptions(this)),
    });
  });

  program
    .command('report')
    .description(`list the evidence reports (${REPORTS_DIR}), or render and open one`)
    .argument('[execution]', 'execution name or ARN, or a report .json/.html file')
    .option('--open', 'open the report in the default browser')
    .option('--dir <path>', 'where the reports are', REPORTS_DIR)
    .action(function (this: Command, what: string | undefined) {
      const o = this.opts<{ open?: boolean; dir: string }>();
      capture({ kind: 'report', ...(what !== undefined && { what }), open: o.open === true, dir: o.dir });
    });

  program
    .command('approve')
    .description('answer a waves execution waiting for approval (drs-orch serve or AWS Step Functions)')
    .argument('<execution>', 'the waiting execution ARN')
    .option('--reject', 'reject instead of approve (the runbook stops)')
    .option('--comment <text>', 'why (recorded in the execution)')
    .option('--by <who>', 'who decides (default user@host)')
    .option('--endpoint <url>', 'a running drs-orch serve, or an endpoint override')
    .addOption(new Option('--region <region>', "region (default: the ARN's)"))
    .action(function (this: Command, execution: string) {
      const o = this.opts<{
        reject?: boolean;
        comment?: string;
        by?: string;
        endpoint?: string;
        region?: string;
      }>();
      if (
        !/^arn:aws[a-z-]*:states:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$/.test(
          execution,
        )
      ) {
        throw new UsageError(
          `approve needs an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME), got ${JSON.stringify(execution)}`,
        );
      }
      if (o.reject === true && (o.comment === undefined || o.comment.trim() === '')) {
        throw new UsageError('--reject needs --comment TEXT: say why, it goes into the record');
      }
      // Checked here, before any client is built: the SDK would fail mid-call on either.
      const endpoint = parseUrl('--endpoint', o.endpoint);
      const region = parseRegion(o.region);
      capture({
        kind: 'approve',
        execution,
        reject: o.reject === true,
        ...(o.comment !== undefined && { comment: o.comment }),
        ...(o.by !== undefined && { by: o.by }),
        ...(endpoint !== undefined && { endpoint }),
        ...(region !== undefined && { region }),
      });
    });
}
