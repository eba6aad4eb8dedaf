import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeploymentConfig, parseDeploymentConfig, REPO_ROOT } from '../../infra/config.js';

const stagingFile = readFileSync(join(REPO_ROOT, 'config', 'staging-accounts.json'), 'utf8');
const valid = () => JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'deployment.json'), 'utf8'));

describe('Function: loadDeploymentConfig', () => {
  it('reads config/ without AWS: orchestrator account, organization and the three staging accounts', () => {
    const config = loadDeploymentConfig();
    expect(config.orchestratorAccountId).toBe('123456789012');
    expect(config.region).toBe('us-east-1');
    expect(config.stagingAccounts.map((a) => a.accountId)).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
    ]);
  });
});

describe('Function: parseDeploymentConfig', () => {
  it('names every bad field with what it expects', () => {
    const raw = { ...valid(), orchestratorAccountId: '12', logRetentionDays: 42, weeklyDrill: { tags: {} } };
    expect(() => parseDeploymentConfig(raw, stagingFile)).toThrow(
      /\/orchestratorAccountId must be a string matching .*got "12".*\/logRetentionDays must be one of 1, 3, .*got 42.*\/weeklyDrill\/tags must be a non-empty object/,
    );
  });

  it('applies the defaults of the optional fields', () => {
    const { recoveryInstanceRole: _r, logRetentionDays: _l, ...raw } = valid();
    const config = parseDeploymentConfig(raw, stagingFile);
    expect(config.recoveryInstanceRole).toBe('service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole');
    expect(config.logRetentionDays).toBe(90);
  });

  it('rejects a staging accounts document the contract rejects', () => {
    const doubled = JSON.parse(stagingFile);
    doubled.stagingAccounts.push(doubled.stagingAccounts[0]);
    expect(() => parseDeploymentConfig(valid(), doubled)).toThrow(/must be unique, got 111111111111 again/);
  });

  it('takes the DR OU path (default: the whole organization) and refuses one of another organization', () => {
    const { drOrganizationalUnitPath: _p, ...raw } = valid();
    expect(parseDeploymentConfig(raw, stagingFile).drOrganizationalUnitPath).toBe('o-exampleorgid/');
    expect(() =>
      parseDeploymentConfig({ ...raw, drOrganizationalUnitPath: 'o-otherorg0001/r-exam/' }, stagingFile),
    ).toThrow(/\/drOrganizationalUnitPath must start with the organization id o-exampleorgid\//);
    expect(() =>
      parseDeploymentConfig({ ...raw, drOrganizationalUnitPath: 'ou-exam-11111111' }, stagingFile),
    ).toThrow(/\/drOrganizationalUnitPath must be a string matching/);
  });

  it('refuses a registry entry naming a role other than the one the iam-roles stack creates', () => {
    const other = JSON.parse(stagingFile);
    other.stagingAccounts[1].roleArn = 'arn:aws:iam::222222222222:role/SomethingElse';
    expect(() => parseDeploymentConfig(valid(), other)).toThrow(
      /\/stagingAccounts\/1\/roleArn must name the role DRS-Orchestration-Role that the iam-roles stack creates, got role\/SomethingElse/,
    );
  });
});
