/**
 * SNS as a registry entry: query protocol, `CreateTopic` and `Publish` over {@link SnsState},
 * IAM on the topic, seeded from the fleet's `snsTopics`; the published messages are an
 * inspection view.
 */
import { fail } from '../../protocols/service-errors.js';
import { anyResource, queryParamsOf, queryProtocol, type ServiceDescriptor } from '../../registry.js';
import { createSnsHandler, SNS_VERSION, SnsState, type SnsStateSnapshot, XMLNS } from './sns.js';

/** SNS (signing name `sns`). */
export const snsService: ServiceDescriptor = {
  name: 'sns',
  ...queryProtocol(SNS_VERSION),
  xmlns: XMLNS,
  commonErrors: { 'access-denied': { code: 'AuthorizationError' }, internal: { code: 'InternalError' } },
  unknownOperation: (action, req) =>
    fail({
      code: 'InvalidAction',
      message: `Could not find operation ${action ?? ''} for version ${queryParamsOf(req).get('Version') ?? SNS_VERSION}`,
    }),
  invalidPageToken: () => fail({ code: 'InvalidParameter', message: 'Invalid parameter: NextToken' }),
  authorization: { fallback: anyResource('sns') },
  create(world) {
    const restored = world.restored as SnsStateSnapshot | undefined;
    const state = restored ? SnsState.fromJSON(restored) : new SnsState();
    if (!restored) {
      for (const account of world.state.accounts())
        for (const t of account.fleet.snsTopics ?? [])
          state.createTopic(account.accountId, account.region, t);
    }
    return {
      operations: createSnsHandler({ state }),
      state,
      views: { messages: (q) => ({ messages: state.messages(q.get('topicArn') ?? undefined) }) },
    };
  },
};
