/**
 * The command line of `drs-orch`, parsed with commander into an {@link Invocation}: what to run,
 * against which target, and how to show the result. Parsing never starts anything.
 */
import { Command, CommanderError } from 'commander';
import { ACTION_HELP, addInputOptions, toRunInvocation } from './action-options.js';
import { ACTIONS, closest, isAction } from './args.js';
import { UsageError } from './errors.js';
import type {
  ExtendInvocation,
  FleetInvocation,
  RunInvocation,
  ServeInvocation,
  TextInvocation,
} from './invocations.js';
import { addRegistryCommands } from './registry.js';
import {
  addRunbookCommands,
  planRunbookInvocation,
  type RunbookCommandInvocation,
} from './runbook-program.js';
import { addRunOptions, givenOptions, type RawRunOptions } from './target-options.js';
import { addExtendCommand, addWorldCommands } from './world-commands.js';

// Where the invocation shapes are imported from by most of the CLI.
export type {
  ExtendInvocation,
  FleetInvocation,
  OutputOptions,
  RunInvocation,
  ServeInvocation,
  TargetName,
  TargetOptions,
  TextInvocation,
} from './invocations.js';

/** What a command line asks for. */
export type Invocation =
  | RunInvocation
  | ServeInvocation
  | TextInvocation
  | RunbookCommandInvocation
  | FleetInvocation
  | ExtendInvocation;

/** Every command name, for "did you mean" suggestions. */
export const COMMANDS = [
  ...ACTIONS,
  'run',
  'plan',
  'serve',
  'runbook',
  'approve',
  'report',
  'fleet',
  'extend',
  'registry',
] as const;

/**
 * Builds the commander program; `capture` receives the invocation of the command that ran.
 * Exported for tools that walk its commands and options (the CLI fuzz).
 */
export function buildProgram(capture: (inv: Invocation) => void, version: string): Command {
  const program = new Command('drs-orch')
    .description(
      'Tag-driven AWS Elastic Disaster Recovery orchestration: run a drill, failover, failback, terminate or status\n' +
        'on the embedded emulator (default), on real AWS, or on the deployed Step Functions stack.',
    )
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  drs-orch drill --tags DR-Wave=1                 demo drill on the embedded emulator\n' +
        '  drs-orch status --tags DR-Wave=1 --format table  what the drill left behind\n' +
        '  drs-orch terminate --tags DR-Wave=1             clean up the drill instances\n' +
        '  drs-orch plan --tags DR-Application=HRP          dry run: servers, readiness, batches\n' +
        '  drs-orch runbook examples/drill-runbook.yaml    waves with approvals, then an evidence report\n' +
        '  drs-orch report --open                          list or open the evidence reports\n' +
        '  drs-orch serve                                  emulator for the AWS CLI / SDKs on :4566\n' +
        '  drs-orch extend --tags DR-Wave=1                extended servers in the recovery account\n' +
        '\nExit codes: 0 success, 2 partial, 3 failed, 4 timeout, 64 invalid usage or input, 70 internal error.',
    );

  for (const action of ACTIONS) {
    const cmd = program.command(action).description(ACTION_HELP[action]);
    addRunOptions(addInputOptions(cmd, action), true).action(function (this: Command) {
      capture(toRunInvocation('run', action, this.opts<RawRunOptions>(), givenOptions(this)));
    });
  }
  const run = program
    .command('run')
    .description('run the design-3.1 document given with --input (its action)');
  addRunOptions(addInputOptions(run), true).action(function (this: Command) {
    capture(toRunInvocation('run', undefined, this.opts<RawRunOptions>(), givenOptions(this)));
  });

  const plan = program
    .command('plan')
    .description('dry run: discovery, readiness and launch batches per staging account; changes nothing')
    .argument('[action]', 'action to plan', 'drill')
    .option('--runbook <file>', 'plan every wave of a runbook (YAML or JSON) instead');
  addRunOptions(addInputOptions(plan), true).action(function (this: Command, planned: string) {
    const runbook = planRunbookInvocation(
      this.opts<RawRunOptions & { runbook?: string }>(),
      givenOptions(this),
    );
    if (runbook !== undefined) {
      capture(runbook);
      return;
    }
    if (!isAction(planned)) {
      const hint = closest(planned, ACTIONS);
      throw new UsageError(
        `plan: unknown action ${JSON.stringify(planned)}${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${ACTIONS.join(', ')}`,
      );
    }
    capture(toRunInvocation('plan', planned, this.opts<RawRunOptions>(), givenOptions(this)));
  });

  addRunbookCommands(program, capture);

  addWorldCommands(program, capture);
  addExtendCommand(program, capture);
  addRegistryCommands(program, capture);
  return program;
}

/** Turns commander's error text (`error: unknown option '--x'\n(Did you mean --y?)`) into one line. */
function commanderMessage(err: CommanderError): string {
  return err.message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\((.*)\)$/, '($1)').replace(/^\(Did you mean/, '(did you mean'))
    .join(' ');
}

/**
 * Parses a command line into an {@link Invocation}.
 *
 * @param argv the arguments after the program name
 * @param version printed by `--version`
 * @throws {UsageError} for anything that cannot run: unknown command (with the closest one),
 *   unknown flag, malformed value, missing `--tags`, `--target sfn` without an ARN.
 * @example parseInvocation(['drill', '--tags', 'DR-Wave=1'], '0.1.0')
 */
export async function parseInvocation(argv: readonly string[], version: string): Promise<Invocation> {
  const first = argv[0];
  if (first === undefined) {
    throw new UsageError(`a command is required: one of ${COMMANDS.join(', ')} (see drs-orch --help)`);
  }
  if (!first.startsWith('-') && !(COMMANDS as readonly string[]).includes(first) && first !== 'help') {
    const hint = closest(first, COMMANDS);
    throw new UsageError(
      `unknown command ${JSON.stringify(first)}${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  let captured: Invocation | undefined;
  let text = '';
  const program = buildProgram((inv) => {
    captured = inv;
  }, version);
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => {
        text += s;
      },
      writeErr: (s) => {
        text += s;
      },
      outputError: () => {},
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        return { kind: 'text', text };
      }
      if (err.code === 'commander.help') throw new UsageError(`a command is required (see drs-orch --help)`);
      throw new UsageError(commanderMessage(err));
    }
    throw err;
  }
  if (captured === undefined) {
    // `drs-orch help [command]` prints help through commander without throwing.
    return { kind: 'text', text };
  }
  return captured;
}
