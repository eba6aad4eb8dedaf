/**
 * STS (query protocol): `AssumeRole` for the roles the fleet defines, gated by the role's trust
 * policy and the caller's own identity policy, issuing keys bound to the role's account; and
 * `GetCallerIdentity`.
 */

import { createHash } from 'node:crypto';
import type { SessionRequest, StoredCredential } from '../../auth/credentials.js';
import { DEFAULT_ACCOUNT_ID } from '../../auth/credentials.js';
import { type ConditionKeys, type PolicyDocument, trustAllows } from '../../auth/iam-policy.js';
import { organizationKeys } from '../../auth/organization.js';
import { missingMemberMessage } from '../../protocols/json.js';
import { parseQueryParams, queryResponse } from '../../protocols/query.js';
import { fail, notAuthorizedMessage } from '../../protocols/service-errors.js';
import { xmlElements } from '../../protocols/xml.js';
import { nonEmpty, queryParamsOf } from '../../registry.js';
import type { EmulatorResponse, Operations, Principal, ServiceContext } from '../../types.js';

/** The XML namespace of STS's answers and errors. */
export const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** The API version of STS (its query `Version`). */
export const VERSION = '2011-06-15';

/** A role as STS needs to know it. */
export interface StsRole {
  /** `arn:aws:iam::<account>:role/<name>`. */
  readonly arn: string;
  readonly accountId: string;
  /** Trust policy; undefined trusts the role's own account and `defaultTrustedAccounts`. */
  readonly trustPolicy?: PolicyDocument;
  /** @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** Narrow ports of the STS handler. */
export interface StsPorts {
  /** The role the fleet defines under this ARN, if any. */
  findRole(roleArn: string): StsRole | undefined;
  /** Where issued sessions go (the credential store) and where callers are looked up. */
  readonly credentials: {
    issueSession(req: SessionRequest): StoredCredential;
    lookup(accessKeyId: string): StoredCredential | undefined;
  };
  /** Fault plan hook: true makes this AssumeRole fail with AccessDenied. */
  assumeRoleDenied?(roleArn: string, caller: Principal): boolean;
  /** `aws:PrincipalOrgID` of an account, for trust conditions. */
  organizationIdOf?(accountId: string): string | undefined;
  /**
   * The account's organization path (`o-.../r-.../ou-.../`): adds `aws:PrincipalOrgPaths` (and
   * the id it starts with as `aws:PrincipalOrgID`) to trust conditions.
   */
  organizationPathOf?(accountId: string): string | undefined;
}

/** Options of {@link createStsHandler}. */
export interface StsOptions {
  /**
   * Accounts trusted by roles that have no trust policy.
   * @default ['123456789012']
   */
  readonly defaultTrustedAccounts?: readonly string[];
}

/** The unique id of a role (`AROA` + 17 characters), stable for its ARN. */
export function roleIdOf(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]*$/;

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The STS operations. */
export function createStsHandler(ports: StsPorts, options: StsOptions = {}): Operations {
  const trusted = options.defaultTrustedAccounts ?? [DEFAULT_ACCOUNT_ID];

  const validation = (message: string, _requestId: string): never => {
    throw fail({ code: 'ValidationError', message, status: 400 });
  };

  function assumeRole(params: URLSearchParams, ctx: ServiceContext): EmulatorResponse {
    const { principal, requestId } = ctx;
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (roleArn === null) return validation(missingMemberMessage('roleArn'), requestId);
    if (sessionName === null) return validation(missingMemberMessage('roleSessionName'), requestId);
    if (roleArn.length < 20) {
      return validation(
        `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
        requestId,
      );
    }
    if (sessionName.length < 2 || sessionName.length > 64) {
      return validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`,
        requestId,
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      return validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
        requestId,
      );
    }
    const arnMatch = ROLE_ARN.exec(roleArn);
    if (arnMatch === null) return validation(`${roleArn} is invalid`, requestId);
    const durationRaw = params.get('DurationSeconds');
    const duration = durationRaw === null ? 3600 : Number(durationRaw);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return validation(
        `1 validation error detected: Value '${durationRaw}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200'}`,
        requestId,
      );
    }

    const denied = () =>
      fail({
        code: 'AccessDenied',
        message: notAuthorizedMessage(principal.arn, 'sts:AssumeRole', roleArn).replace(
          / because no identity-based policy allows the sts:AssumeRole action$/,
          '',
        ),
        status: 403,
      });

    const role = ports.findRole(roleArn);
    if (role === undefined) throw denied();
    const keys: ConditionKeys = {
      'aws:PrincipalAccount': principal.accountId,
      'aws:PrincipalArn': principal.roleArn ?? principal.arn,
      'sts:RoleSessionName': sessionName,
      ...orgKey(ports.organizationIdOf?.(principal.accountId)),
      ...organizationKeys('Principal', ports.organizationPathOf?.(principal.accountId)),
      ...externalIdKey(params.get('ExternalId')),
    };
    const caller = {
      arn: principal.arn,
      accountId: principal.accountId,
      ...(principal.roleArn === undefined ? {} : { roleArn: principal.roleArn }),
    };
    const trustOk =
      role.trustPolicy === undefined
        ? principal.accountId === role.accountId || trusted.includes(principal.accountId)
        : trustAllows(role.trustPolicy, caller, keys);
    if (!trustOk || ports.assumeRoleDenied?.(roleArn, principal) === true) throw denied();

    const maxDuration = role.maxSessionDurationSeconds ?? 3600;
    if (principal.roleArn !== undefined && duration > 3600) {
      return validation(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        requestId,
      );
    }
    if (duration > maxDuration) {
      return validation(
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        requestId,
      );
    }
    // SDK credential caches compare Expiration with wall time, the emulator runs on virtual time:
    // take the later of the two so cached keys neither look expired at once nor outlive their session.
    const base = Math.max(ctx.now().getTime(), Date.now());
    const expiration = new Date(base + duration * 1000);
    const roleId = roleIdOf(roleArn);
    const session = ports.credentials.issueSession({
      accountId: role.accountId,
      roleArn,
      roleId,
      sessionName,
      expiration,
    });
    return queryResponse({
      action: 'AssumeRole',
      xmlns: XMLNS,
      requestId,
      result: xmlElements([
        [
          'Credentials',
          xmlElements([
            ['AccessKeyId', session.accessKeyId],
            ['SecretAccessKey', session.secretAccessKey],
            ['SessionToken', session.sessionToken],
            ['Expiration', isoSeconds(expiration)],
          ]),
        ],
        [
          'AssumedRoleUser',
          xmlElements([
            ['AssumedRoleId', `${roleId}:${sessionName}`],
            ['Arn', session.arn],
          ]),
        ],
        ['SourceIdentity', params.get('SourceIdentity') ?? undefined],
      ]),
    });
  }

  function getCallerIdentity(ctx: ServiceContext): EmulatorResponse {
    const { principal, requestId } = ctx;
    const stored = ports.credentials.lookup(principal.accessKeyId);
    return queryResponse({
      action: 'GetCallerIdentity',
      xmlns: XMLNS,
      requestId,
      result: xmlElements([
        ['Arn', principal.arn],
        ['UserId', stored?.userId ?? principal.accountId],
        ['Account', principal.accountId],
      ]),
    });
  }

  return {
    AssumeRole: {
      run: (req, ctx) => assumeRole(parseQueryParams(req), ctx),
      iam: (req) => ({
        action: 'sts:AssumeRole',
        resources: nonEmpty(queryParamsOf(req).get('RoleArn')) ?? '*',
        region: req.region,
      }),
    },
    // "No permissions are required to perform this operation."
    GetCallerIdentity: { run: (_req, ctx) => getCallerIdentity(ctx), iam: 'none' },
  };
}

function orgKey(orgId: string | undefined): ConditionKeys {
  return orgId === undefined ? {} : { 'aws:PrincipalOrgID': orgId };
}

function externalIdKey(externalId: string | null): ConditionKeys {
  return externalId === null ? {} : { 'sts:ExternalId': externalId };
}
