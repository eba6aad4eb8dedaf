/**
 * What a command line of `drs-orch` asks for, once parsed: the invocation shapes and the defaults
 * they carry. Data only; the parsers (program.ts, target-options.ts, runbook-program.ts) build them
 * and main.ts and the targets consume them.
 */
import type { Action, InputFlags } from './args.js';

/** Where the orchestration runs (docs/architecture.md §1). */
export type TargetName = 'sim' | 'aws' | 'sfn';

/** Default virtual seconds per wall second of `--target sim` and `serve`: a 30-minute drill takes ~2 s. */
export const DEFAULT_TIME_SCALE = 1000;

/** Default location of the simulated world between runs, relative to the working directory. */
export const DEFAULT_STATE_FILE = '.drs-orch/sim.json';

/** Default port of `drs-orch serve` (LocalStack's, so existing `--endpoint-url` habits work). */
export const DEFAULT_PORT = 4566;

/** How and where to run. */
export interface TargetOptions {
  readonly target: TargetName;
  /** `demo` or a fleet file path (sim). */
  readonly fleet: string;
  readonly timeScale: number;
  /** Whether `--time-scale` was given: paced, watchable time instead of discrete virtual time. */
  readonly timeScaleGiven?: boolean;
  /** Sim state file; `undefined` when `--endpoint` points at a running emulator. */
  readonly stateFile: string;
  readonly reset: boolean;
  /** A running `drs-orch serve` (sim) or an AWS endpoint override (aws, sfn). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly resultsBucket?: string;
  readonly stateMachineArn?: string;
  /** sfn: seconds between DescribeExecution polls. */
  readonly pollSeconds: number;
}

/** How to show the result. */
export interface OutputOptions {
  readonly format: 'json' | 'table';
  /** Write the result to this file instead of stdout. */
  readonly output?: string;
  readonly quiet: boolean;
}

/** An orchestration to run (`failover|failback|drill|terminate|status|run`) or plan. */
export interface RunInvocation {
  readonly kind: 'run' | 'plan';
  /** The command's action; `undefined` for `run --input`, which takes the document's. */
  readonly action: Action | undefined;
  /** `--input` path, `-` for stdin. */
  readonly inputFile?: string;
  readonly flags: InputFlags;
  readonly target: TargetOptions;
  readonly out: OutputOptions;
}

/** `drs-orch serve`. */
export interface ServeInvocation {
  readonly kind: 'serve';
  readonly port: number;
  readonly fleet: string;
  readonly timeScale: number;
  readonly stateFile?: string;
  /** Start a fresh world from `fleet` in place of the state file's. */
  readonly reset?: boolean;
}

/** Help or version text was requested: print it and exit 0. */
export interface TextInvocation {
  readonly kind: 'text';
  readonly text: string;
}

/** `drs-orch fleet generate`: a synthetic fleet file for `--fleet`. */
export interface FleetInvocation {
  readonly kind: 'fleet';
  readonly accounts: number;
  readonly serversPerAccount: number;
  readonly seed: number;
  readonly output?: string;
  /**
   * `--recovery-account`: the one recovery (target) account every staging account recovers into
   * (README "Choosing a topology").
   */
  readonly recoveryAccount?: string;
  /** `--extended`: its servers are extended source servers there when the fleet loads. */
  readonly extended?: boolean;
}

/** `drs-orch extend`: make (and keep) the selected servers extended source servers of their target account. */
export interface ExtendInvocation {
  readonly kind: 'extend';
  /** The parsed `--tags`: every one must match, as for the actions. */
  readonly tags: Readonly<Record<string, string>>;
  readonly target: TargetOptions;
  readonly out: OutputOptions;
}

/** Most staging accounts and servers per account `fleet generate` makes (a sim, not a load test). */
export const FLEET_LIMITS = {
  accounts: 50,
  // DRS replicates at most 300 source servers per account (the fleet schema's limit).
  serversPerAccount: 300,
} as const;
