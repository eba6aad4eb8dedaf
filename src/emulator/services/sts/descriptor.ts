/**
 * STS as a registry entry: query protocol, `AssumeRole` on the fleet's roles (trust policies,
 * organization conditions, the fault plan's denials) and `GetCallerIdentity`, issuing sessions
 * into the world's credential store (journaled with STS's calls).
 */
import type { PolicyDocument } from '../../auth/iam-policy.js';
import { FLEET_ORGANIZATION_ID } from '../../auth/organization.js';
import { fail } from '../../protocols/service-errors.js';
import { anyResource, queryParamsOf, queryProtocol, type ServiceDescriptor } from '../../registry.js';
import { createStsHandler, VERSION, XMLNS } from './sts.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/** STS (signing name `sts`). */
export const stsService: ServiceDescriptor = {
  name: 'sts',
  ...queryProtocol(VERSION),
  xmlns: XMLNS,
  unknownOperation: (action, req) =>
    fail({
      code: 'InvalidAction',
      message: `Could not find operation ${action ?? ''} for version ${queryParamsOf(req).get('Version') ?? VERSION}`,
    }),
  invalidPageToken: () => fail({ code: 'InvalidParameterValue', message: 'Invalid NextToken' }),
  authorization: { fallback: anyResource('sts') },
  create(world) {
    const { state } = world;
    return {
      operations: createStsHandler(
        {
          findRole: (arn) => {
            const hit = state.role(arn);
            return hit
              ? {
                  arn: `arn:aws:iam::${hit.accountId}:role/${hit.role.name}`,
                  accountId: hit.accountId,
                  trustPolicy: hit.role.trustPolicy as unknown as PolicyDocument,
                }
              : undefined;
          },
          credentials: state.credentials,
          assumeRoleDenied: (roleArn) => state.faults.isAssumeRoleDenied(ROLE_ARN.exec(roleArn)?.[1] ?? ''),
          organizationIdOf: (accountId) => (state.account(accountId) ? FLEET_ORGANIZATION_ID : undefined),
          organizationPathOf: (accountId) => state.organizationPathOf(accountId),
        },
        { defaultTrustedAccounts: [state.orchestratorAccountId] },
      ),
    };
  },
};
