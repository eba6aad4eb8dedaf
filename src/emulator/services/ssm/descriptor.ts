/**
 * SSM as a registry entry: JSON 1.1 (`AmazonSSM.*`). Parameter Store over {@link SsmState} (IAM
 * on the parameter's ARN, seeded from the fleet's `ssmParameters`) and Automation and Run Command
 * over {@link SsmRunsState} (runbook steps: the fleet's `ssmDocuments` run on DRS's recovery
 * instances). Its saved slice holds both: `{ parameters, runs }`.
 */
import { fail } from '../../protocols/service-errors.js';
import { anyResource, jsonProtocol, type ServiceDescriptor } from '../../registry.js';
import type { Persistent } from '../../types.js';
import { createSsmRunsOperations, type SsmRunsSnapshot, SsmRunsState } from './runs.js';
import { createSsmHandler, SsmState, type SsmStateSnapshot } from './ssm.js';

/** SSM's saved slice: its parameters and, since runbook steps, its Automation and Run Command runs. */
interface SsmSlice extends SsmStateSnapshot {
  readonly runs?: SsmRunsSnapshot;
}

/** The recovery instances DRS launched, as SSM's managed instances (read through the registry). */
interface RecoveryInstances {
  instances(): readonly {
    readonly accountId: string;
    readonly instance: {
      readonly recoveryInstanceID: string;
      readonly stopped?: boolean;
      readonly privateIp?: string;
      readonly tags?: Readonly<Record<string, string>>;
    };
  }[];
}

/** SSM (signing name `ssm`). */
export const ssmService: ServiceDescriptor = {
  name: 'ssm',
  ...jsonProtocol('AmazonSSM'),
  authorization: { fallback: anyResource('ssm') },
  invalidPageToken: () => fail({ code: 'InvalidNextToken', message: 'The specified token is not valid.' }),
  create(world) {
    const restored = world.restored as SsmSlice | undefined;
    const state = restored ? SsmState.fromJSON(restored) : new SsmState();
    if (!restored) {
      const seededAt = new Date(world.state.clock.nowMs()).toISOString();
      for (const account of world.state.accounts()) {
        for (const p of account.fleet.ssmParameters ?? []) {
          state.putParameter(account.accountId, account.region, {
            name: p.name,
            value: p.value,
            type: p.type ?? 'String',
            overwrite: true,
            now: seededAt,
          });
        }
      }
    }
    // Automation and Run Command (runbook steps): saved with the parameters, so a run started
    // before `serve --state-file` restarts is still there to poll.
    const runs = restored?.runs ? SsmRunsState.fromJSON(restored.runs) : new SsmRunsState();
    const drs = () => (world.service('drs') as { drs?: RecoveryInstances } | undefined)?.drs;
    const runOperations = createSsmRunsOperations({
      state: runs,
      document: (accountId, name) =>
        world.state.account(accountId)?.fleet.ssmDocuments?.find((d) => d.name === name),
      // SSM manages the instances of the caller's account only.
      instances: (accountId) =>
        (drs()?.instances() ?? [])
          .filter((x) => x.accountId === accountId)
          .map(({ instance: r }) => r)
          .filter((r) => r.stopped !== true)
          .map((r) => ({
            instanceId: r.recoveryInstanceID,
            ...(r.privateIp !== undefined && { ip: r.privateIp }),
            ...(r.tags?.Name !== undefined && { name: r.tags.Name }),
          })),
      failure: (target, name, instanceId) => world.state.faults.stepFailure(target, name, instanceId),
    });
    const slice: Persistent = {
      toJSON: (): SsmSlice => ({ ...state.toJSON(), runs: runs.toJSON() }),
    };
    return {
      operations: { ...createSsmHandler({ state }), ...runOperations },
      state: slice,
      views: { parameters: () => ({ parameters: state.all() }) },
    };
  },
};
