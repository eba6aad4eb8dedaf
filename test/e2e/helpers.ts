/**
 * Small lookups over the emulator state and the output contract for the E2E tests.
 */
import { assertOrchestrationOutput, type OrchestrationOutput } from '../../src/contract/index.js';
import type { Fleet, PolicyDocument } from '../../src/emulator/fleet/types.js';
import type { World } from './world.js';

/** Source servers carrying every tag, with their account. */
export function serversTagged(
  world: World,
  tags: Record<string, string>,
): { accountId: string; id: string }[] {
  return world.emu.state
    .accounts()
    .flatMap((a) =>
      (world.emu.drs.account(a.accountId)?.servers() ?? [])
        .filter((s) => Object.entries(tags).every(([k, v]) => s.tags[k] === v))
        .map((s) => ({ accountId: a.accountId, id: s.sourceServerID })),
    );
}

/** The output, checked against the output schema. */
export function output(value: unknown): OrchestrationOutput {
  assertOrchestrationOutput(value);
  return value;
}

/** DRS calls that change something, counted by the emulator. */
export function mutatingDrsCalls(world: World): number {
  return ['StartRecovery', 'StartFailbackLaunch', 'TerminateRecoveryInstances', 'ReverseReplication'].reduce(
    (n, operation) => n + world.emu.state.callTotal({ service: 'drs', operation }),
    0,
  );
}

/** `fleet` with the orchestrator's executor-callback role given exactly `policy`. */
export function withCallbackPolicy(fleet: Fleet, policy: PolicyDocument): Fleet {
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) =>
      a.accountId === fleet.orchestratorAccountId
        ? {
            ...a,
            roles: (a.roles ?? []).map((r) =>
              r.name === 'DRS-Orchestration-Executor-Callback' ? { ...r, policies: [policy] } : r,
            ),
          }
        : a,
    ),
  };
}
