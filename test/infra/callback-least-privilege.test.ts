/**
 * Least privilege of the orchestrator's executor-callback role, proven in the emulator: the
 * statements of `DRS-Orchestration-Executor-Callback` are read from the synthesized
 * main-orchestrator template (ARNs rendered for the orchestrator's account and Region) and given
 * to that role in the demo fleet. A drill then comes back by callback, with heartbeats; without
 * SendTaskSuccess or SendTaskHeartbeat it comes back only through the fallback (the executor
 * described after the heartbeat timeout), so each action is needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../infra/config.js';
import { EXECUTOR_CALLBACK_ROLE_NAME } from '../../infra/names.js';
import { demoFleet } from '../../src/emulator/fleet/demo.js';
import type { Fleet } from '../../src/emulator/fleet/types.js';
import { output, withCallbackPolicy } from '../e2e/helpers.js';
import { startWorld, type World } from '../e2e/world.js';
import { DeployedWorld } from './deployed-world.js';
import { synthesize } from './support.js';

const config = loadDeploymentConfig();
const ORCHESTRATOR = { accountId: config.orchestratorAccountId, region: config.region };
const deployed = new DeployedWorld(synthesize({ stacks: ['main-orchestrator'] }), {
  'main-orchestrator': ORCHESTRATOR,
});
const role = deployed
  .ofType('AWS::IAM::Role')
  .find((r) => r.properties.RoleName === EXECUTOR_CALLBACK_ROLE_NAME);
const statements = deployed
  .roles()
  .filter((r) => r.logicalId === role?.logicalId)
  .flatMap((r) => r.statements);

/** The demo fleet with the template's statements on the callback role, minus `without`. */
function fleetWithTemplateCallbackRole(without?: string): Fleet {
  return withCallbackPolicy(demoFleet(), {
    Version: '2012-10-17',
    Statement: statements
      .map((s) => ({ Effect: s.Effect, Action: s.Action.filter((a) => a !== without), Resource: s.Resource }))
      .filter((s) => s.Action.length > 0),
  });
}

describe('E2E: least privilege of DRS-Orchestration-Executor-Callback (from the main-orchestrator template)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  /** A drill of the one DR-Test=single server; whether it came back by callback. */
  async function drill(fleet: Fleet) {
    world = await startWorld({ fleet });
    // The template's ARNs are the configured orchestrator's: the demo fleet's must be the same.
    expect(world.emu.state.orchestratorAccountId).toBe(ORCHESTRATOR.accountId);
    const result = await world.run('main', { action: 'drill', tags: { 'DR-Test': 'single' } });
    const fallback = result.events.some(
      (e) => e.type === 'StateEntered' && e.machine === 'main' && e.state === 'CheckAccountExecutor',
    );
    return { status: output(result.output).status, fallback };
  }

  it('answers the main execution with exactly the template’s statements', async () => {
    expect(statements.flatMap((s) => s.Action)).toContain('states:SendTaskSuccess');

    expect(await drill(fleetWithTemplateCallbackRole())).toEqual({ status: 'success', fallback: false });
  });

  it.each(['states:SendTaskSuccess', 'states:SendTaskHeartbeat'])(
    'needs %s: without it the drill comes back only through the fallback',
    async (action) => {
      expect(await drill(fleetWithTemplateCallbackRole(action))).toEqual({
        status: 'success',
        fallback: true,
      });
    },
  );
});
