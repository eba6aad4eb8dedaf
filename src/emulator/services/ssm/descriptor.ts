/**
 * SSM Parameter Store as a registry entry: JSON 1.1 (`AmazonSSM.*`), its operations over
 * {@link SsmState}, IAM on the parameter's ARN, seeded from the fleet's `ssmParameters`.
 */
import { fail } from '../../protocols/service-errors.js';
import { anyResource, jsonProtocol, type ServiceDescriptor } from '../../registry.js';
import { createSsmHandler, SsmState, type SsmStateSnapshot } from './ssm.js';

/** SSM (signing name `ssm`). */
export const ssmService: ServiceDescriptor = {
  name: 'ssm',
  ...jsonProtocol('AmazonSSM'),
  authorization: { fallback: anyResource('ssm') },
  invalidPageToken: () => fail({ code: 'InvalidNextToken', message: 'The specified token is not valid.' }),
  create(world) {
    const restored = world.restored as SsmStateSnapshot | undefined;
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
    return {
      operations: createSsmHandler({ state }),
      state,
      views: { parameters: () => ({ parameters: state.all() }) },
    };
  },
};
