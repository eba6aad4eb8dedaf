/**
 * S3 bucket policies (S3 User Guide, "How Amazon S3 authorizes a request"): PutBucketPolicy's
 * checks, and S3's resource-policy hook, which decides every S3 call from the caller's identity
 * decision and the bucket's policy together (the rules in auth/resource-policy.ts).
 *
 * The request context carries the caller's organization keys (`aws:PrincipalOrgID`,
 * `aws:PrincipalOrgPaths`), `aws:PrincipalArn` (the role's ARN for a role session) and
 * `aws:PrincipalAccount`, so bucket policies conditioned on them are enforced on every S3 call.
 * The emulator stands in for S3's HTTPS endpoint (the SDK speaks TLS to AWS), so
 * `aws:SecureTransport` is `true`: CDK's `enforceSSL` deny statement does not apply.
 *
 * A bucket that encrypts with a KMS key by default (a fleet's `kmsKeyId`) also needs, for
 * PutObject, `kms:GenerateDataKey` on that key through S3: the key's policy (fleet `kmsKeys`) and
 * the caller's identity policy decide it as KMS does ({@link combineKeyDecisions}).
 */

import {
  type ConditionKeys,
  MalformedPolicyDocumentError,
  type PolicyDocument,
  toPolicyDocument,
} from '../../auth/iam-policy.js';
import { organizationKeys } from '../../auth/organization.js';
import type { AuthorizationResult } from '../../auth/required-actions.js';
import {
  allowed,
  combineDecisions,
  combineKeyDecisions,
  decisionOf,
  denied,
  evaluateResourcePolicy,
  type ResourcePolicyDecision,
} from '../../auth/resource-policy.js';
import type { AuthorizeRequest } from '../../registry.js';
import type { Principal } from '../../types.js';
/** Largest bucket policy S3 accepts (S3 User Guide, "Bucket policies": 20 KB). */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

/** Why a bucket policy was refused (S3 answers `MalformedPolicy`, HTTP 400). */
export class MalformedBucketPolicyError extends Error {
  override readonly name = 'MalformedBucketPolicyError';
}

/**
 * Parses and checks a bucket policy as PutBucketPolicy does: JSON, at most 20 KB, an IAM policy
 * whose every statement names a `Principal` (or `NotPrincipal`) and a `Resource`.
 *
 * @throws MalformedBucketPolicyError naming the first problem
 * @example parseBucketPolicy('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}')
 */
export function parseBucketPolicy(text: string): PolicyDocument {
  if (Buffer.byteLength(text) > BUCKET_POLICY_MAX_BYTES) {
    throw new MalformedBucketPolicyError('Policies must be less than 20KB');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedBucketPolicyError("Policies must be valid JSON and the first byte must be '{'");
  }
  let doc: PolicyDocument;
  try {
    doc = toPolicyDocument(parsed);
  } catch (err) {
    if (err instanceof MalformedPolicyDocumentError) throw new MalformedBucketPolicyError(err.message);
    throw err;
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  statements.forEach((s, i) => {
    if (s.Principal === undefined && s.NotPrincipal === undefined) {
      throw new MalformedBucketPolicyError(`Missing required field Principal in statement ${i}`);
    }
    if (s.Resource === undefined && s.NotResource === undefined) {
      throw new MalformedBucketPolicyError(`Missing required field Resource in statement ${i}`);
    }
  });
  return doc;
}

/** What the S3 policy check needs to know about a bucket. */
export interface BucketPolicyView {
  readonly name: string;
  readonly ownerAccountId: string;
  /** The bucket's Region (`kms:ViaService` is `s3.<region>.amazonaws.com`). */
  readonly region: string;
  /** The bucket policy's text, when the bucket has one. */
  readonly policy?: string;
  /** Accounts the fleet lets read and write objects (the fleet's stand-in for a bucket policy). */
  readonly allowedAccounts: readonly string[];
}

/** Ports of {@link createS3ResourcePolicyCheck}. */
export interface S3ResourcePolicyPorts {
  /** The bucket of that name, if it exists (a missing bucket is the handler's `NoSuchBucket`). */
  bucket(name: string): BucketPolicyView | undefined;
  /** The account's path in the fleet's organization (`aws:PrincipalOrgPaths`). */
  organizationPathOf(accountId: string): string | undefined;
  /**
   * The KMS key a bucket encrypts new objects with by default (SSE-KMS), with its key policy and
   * aliases: PutObject then also needs `kms:GenerateDataKey` on it. @default no bucket has one
   */
  bucketKeyOf?(bucketName: string): KmsKeyView | undefined;
}

/** A KMS key as the S3 check sees it. */
export interface KmsKeyView {
  readonly arn: string;
  readonly policy: PolicyDocument;
  /** `alias/...` names (`kms:ResourceAliases`). */
  readonly aliases: readonly string[];
}

/**
 * The bucket-policy operations: only the owner account may call them (another account gets 405),
 * and the owner's root user always may, even when the policy denies it (S3 API Reference,
 * PutBucketPolicy).
 */
const POLICY_OPERATIONS = new Set(['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy']);

/**
 * The decision of an S3 call (undefined: not an S3 call, the identity decision stands);
 * `identityOf` is the caller's identity decision for another action (the KMS one).
 */
export type S3ResourcePolicyCheck = (
  principal: Principal,
  request: AuthorizeRequest,
  identity: AuthorizationResult,
  identityOf?: (request: AuthorizeRequest) => AuthorizationResult,
) => AuthorizationResult | undefined;

/** The bucket an S3 resource ARN names (`arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`). */
function bucketOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)/.exec(arn);
  return m?.[1];
}

/**
 * The S3 half of the pipeline's authorization: every S3 call is decided by the caller's identity
 * decision and the bucket's policy together ({@link combineDecisions}). A bucket without a policy
 * keeps the fleet's rule: the owner account's identity decides, and the accounts the fleet lists
 * may reach its objects.
 */
export function createS3ResourcePolicyCheck(ports: S3ResourcePolicyPorts): S3ResourcePolicyCheck {
  return (principal, request, identity, identityOf) => {
    if (!request.action.toLowerCase().startsWith('s3:')) return undefined;
    const resource = typeof request.resources === 'string' ? request.resources : request.resources[0];
    const name = resource === undefined ? undefined : bucketOfArn(resource);
    const bucket = name === undefined ? undefined : ports.bucket(name);
    if (resource === undefined || bucket === undefined) return undefined;
    const sameAccount = principal.accountId === bucket.ownerAccountId;
    const isRoot = principal.roleArn === undefined;
    if (POLICY_OPERATIONS.has(request.action) && sameAccount && isRoot) return allowed();
    const identityDecision = decisionOf(identity);
    let resourceDecision: ResourcePolicyDecision;
    if (bucket.policy !== undefined) {
      const keys: ConditionKeys = {
        'aws:PrincipalAccount': principal.accountId,
        'aws:PrincipalArn': principal.roleArn ?? principal.arn,
        'aws:PrincipalType': isRoot ? 'Account' : 'AssumedRole',
        'aws:RequestedRegion': request.region,
        'aws:SecureTransport': 'true',
        ...organizationKeys('Principal', ports.organizationPathOf(principal.accountId)),
        ...organizationKeys('Resource', ports.organizationPathOf(bucket.ownerAccountId)),
        ...request.keys,
      };
      resourceDecision = evaluateResourcePolicy(parseBucketPolicy(bucket.policy), {
        action: request.action,
        resource,
        principal,
        keys,
      });
    } else {
      resourceDecision =
        !sameAccount && bucket.allowedAccounts.includes(principal.accountId)
          ? 'AccountAllow'
          : 'ImplicitDeny';
    }
    const decision = combineDecisions(identityDecision, resourceDecision, sameAccount);
    if (decision !== 'Allow') return denied(request.action, decision);
    // SSE-KMS by default: S3 asks KMS for a data key on the caller's behalf (kms:ViaService).
    const key = request.action === 's3:PutObject' ? ports.bucketKeyOf?.(bucket.name) : undefined;
    if (key === undefined) return allowed();
    const keyAccount = key.arn.split(':')[4] ?? '';
    const keyRegion = key.arn.split(':')[3] ?? request.region;
    const kmsKeys: ConditionKeys = {
      'kms:ViaService': `s3.${bucket.region}.amazonaws.com`,
      'kms:CallerAccount': principal.accountId,
      'kms:ResourceAliases': [...key.aliases],
      'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket.name}`,
    };
    const kmsRequest: AuthorizeRequest = {
      action: 'kms:GenerateDataKey',
      resources: key.arn,
      region: keyRegion,
      keys: kmsKeys,
    };
    const kmsIdentity = identityOf?.(kmsRequest) ?? allowed();
    const keyPolicyDecision = evaluateResourcePolicy(key.policy, {
      action: 'kms:GenerateDataKey',
      resource: key.arn,
      principal,
      keys: {
        'aws:PrincipalAccount': principal.accountId,
        'aws:PrincipalArn': principal.roleArn ?? principal.arn,
        'aws:SecureTransport': 'true',
        ...organizationKeys('Principal', ports.organizationPathOf(principal.accountId)),
        ...kmsKeys,
      },
    });
    const keyDecision = combineKeyDecisions(
      decisionOf(kmsIdentity),
      keyPolicyDecision,
      principal.accountId === keyAccount,
    );
    return keyDecision === 'Allow' ? allowed() : denied('kms:GenerateDataKey', keyDecision);
  };
}
