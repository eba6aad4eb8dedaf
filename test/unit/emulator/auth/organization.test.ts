import { describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../../../src/emulator/auth/authorizer.js';
import type { PolicyDocument } from '../../../../src/emulator/auth/iam-policy.js';
import {
  FLEET_DR_OU_PATH,
  FLEET_PLATFORM_OU_PATH,
  organizationKeys,
  organizationPathOf,
} from '../../../../src/emulator/auth/organization.js';

const ORCHESTRATOR = '123456789012';
const TASK_ROLE = `arn:aws:iam::${ORCHESTRATOR}:role/DRS-Orchestration-Task-discover`;

/** The discover role's statement as main-orchestrator deploys it: any account's staging role, in the DR OU. */
const useStagingRoles: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: 'arn:aws:iam::*:role/DRS-Orchestration-Role',
      Condition: { 'ForAnyValue:StringLike': { 'aws:ResourceOrgPaths': [`${FLEET_DR_OU_PATH}*`] } },
    },
  ],
};

describe('Module: emulator organization keys', () => {
  it('places the orchestrator in the platform OU and every other account in the DR OU, unless the fleet says', () => {
    expect(organizationPathOf(ORCHESTRATOR, undefined, ORCHESTRATOR)).toBe(FLEET_PLATFORM_OU_PATH);
    expect(organizationPathOf('111111111111', undefined, ORCHESTRATOR)).toBe(FLEET_DR_OU_PATH);
    expect(organizationPathOf('111111111111', 'o-drsorchemu01/r-emu0/', ORCHESTRATOR)).toBe(
      'o-drsorchemu01/r-emu0/',
    );
    expect(organizationKeys('Resource', FLEET_DR_OU_PATH)).toEqual({
      'aws:ResourceOrgID': 'o-drsorchemu01',
      'aws:ResourceOrgPaths': [FLEET_DR_OU_PATH],
    });
    expect(organizationKeys('Principal', undefined)).toEqual({});
  });

  it('evaluates aws:ResourceOrgPaths of the resource’s account in identity policies: a staging role in the DR OU only', () => {
    const paths: Record<string, string> = {
      [ORCHESTRATOR]: FLEET_PLATFORM_OU_PATH,
      '111111111111': FLEET_DR_OU_PATH,
      '222222222222': `${FLEET_DR_OU_PATH}ou-emu0-dr000002/`,
      '333333333333': FLEET_PLATFORM_OU_PATH,
    };
    const authorizer = createAuthorizer({
      policiesForRole: (arn) => (arn === TASK_ROLE ? [useStagingRoles] : undefined),
      organizationPathOf: (accountId) => paths[accountId],
    });
    const principal = {
      accessKeyId: 'ASIAEXAMPLE',
      accountId: ORCHESTRATOR,
      arn: `arn:aws:sts::${ORCHESTRATOR}:assumed-role/DRS-Orchestration-Task-discover/s`,
      roleArn: TASK_ROLE,
    };
    const assume = (accountId: string) =>
      authorizer.check(principal as never, {
        action: 'sts:AssumeRole',
        resources: `arn:aws:iam::${accountId}:role/DRS-Orchestration-Role`,
        region: 'us-east-1',
      }).allowed;
    expect(assume('111111111111')).toBe(true);
    expect(assume('222222222222')).toBe(true);
    expect(assume('333333333333')).toBe(false);
    expect(assume('444444444444')).toBe(false); // not in the organization at all
  });
});
