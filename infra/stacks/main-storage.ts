/**
 * The orchestrator account's storage, one helper a concern (used by the main-orchestrator stack,
 * in its scope so logical ids stay as they were): the key's statements for alarms and the
 * executors' results writers, the results bucket with its access-log bucket, and the
 * staging-account registry (one SSM parameter per account).
 */
import { Aws, Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { registryParameters } from '../../src/contract/staging-accounts.js';
import type { DeploymentConfig } from '../config.js';
import { createOrchestrationKey } from '../constructs/orchestration-key.js';
import { RESULTS_PREFIX, RESULTS_WRITER_TASKS, type ResourceNames } from '../names.js';

/** SSM Standard parameters hold at most 4 KB. */
const STANDARD_PARAMETER_LIMIT = 4096;

/** IAM conditions that name the principals of the DR OU's accounts. */
export interface DrOuConditions {
  /** Any account of the DR OU, by its organization path (`aws:PrincipalOrgPaths`). */
  readonly inDrOu: Record<string, string[]>;
  /** The executors' results writers of those accounts, by role name. */
  readonly writers: {
    readonly StringEquals: Record<string, string>;
    readonly 'ForAnyValue:StringLike': Record<string, string[]>;
    readonly ArnLike: Record<string, string[]>;
  };
}

/**
 * The executors' results writers, named by a condition rather than listed as principals: the
 * policies stay the same size for 1 or 50 staging accounts (a list of every writer role passes
 * S3's 20 KB bucket-policy limit at ~46 accounts), and a re-created role (new principal id) keeps
 * its access without redeploying the stack. Any account of the DR OU, by its organization path,
 * not a list of accounts: an account added to the OU (and to the registry) needs no change to
 * these policies.
 */
export function drOuConditions(config: DeploymentConfig, names: ResourceNames): DrOuConditions {
  const inDrOu = { 'aws:PrincipalOrgPaths': [`${config.drOrganizationalUnitPath}*`] };
  return {
    inDrOu,
    writers: {
      StringEquals: { 'aws:PrincipalOrgID': config.organizationId },
      'ForAnyValue:StringLike': inDrOu,
      ArnLike: {
        'aws:PrincipalArn': RESULTS_WRITER_TASKS.map(
          (taskId) => `arn:${Aws.PARTITION}:iam::*:role/${names.taskRoleName(taskId)}`,
        ),
      },
    },
  };
}

/**
 * The orchestrator key (created, or the one `kmsKeyArn` names) with the statements that let
 * alarms publish to the encrypted topic and the executors write encrypted records.
 */
export function orchestratorKey(
  stack: Stack,
  kmsKeyArn: string | undefined,
  names: ResourceNames,
  conditions: DrOuConditions,
): kms.IKey {
  const writerConditions = conditions.writers;
  // A key of the organization's own (kmsKeyArn): used everywhere, none created. Its key policy is
  // the organization's: the statements below are not added to it (infra/README.md lists them).
  const key: kms.IKey =
    kmsKeyArn === undefined
      ? createOrchestrationKey(stack, 'Key', names.keyAliases.orchestrator)
      : kms.Key.fromKeyArn(stack, 'Key', kmsKeyArn);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      // The notification topic is encrypted with this key: alarms publish to it only if they
      // may use the key (the EventBridge target adds its own statement for rules).
      sid: 'AlarmsPublishToEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'ExecutorsWriteEncryptedRecords',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        ...writerConditions,
        StringEquals: {
          ...writerConditions.StringEquals,
          'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`,
        },
      },
    }),
  );
  return key;
}

/** The results bucket (KMS, access-logged) that the executors write their records to. */
export function resultsBucket(
  stack: Stack,
  config: DeploymentConfig,
  names: ResourceNames,
  key: kms.IKey,
  conditions: DrOuConditions,
): s3.Bucket {
  const writerConditions = conditions.writers;
  const accessLogs = new s3.Bucket(stack, 'AccessLogs', {
    // Server access log delivery supports only SSE-S3 on the target bucket.
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(config.resultsExpirationDays) }],
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'this is the access-log bucket of the results bucket; logging it to itself would loop',
  });
  const bucket = new s3.Bucket(stack, 'Results', {
    bucketName: names.resultsBucket(config.orchestratorAccountId, config.region),
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // aws-cdk-lib's Bucket and IBucket disagree under exactOptionalPropertyTypes (isWebsite).
    serverAccessLogsBucket: accessLogs as s3.IBucket,
    serverAccessLogsPrefix: 'results/',
    lifecycleRules: [
      {
        id: 'expire-results',
        expiration: Duration.days(config.resultsExpirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'ExecutorsWriteAccountRecords',
      principals: [new iam.AnyPrincipal()],
      conditions: writerConditions,
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${RESULTS_PREFIX}*`)],
    }),
  );
  return bucket;
}

/**
 * The staging-account registry: a single document outgrows SSM's 4 KB standard and 8 KB advanced
 * values before the schema's 50 accounts; one small standard parameter per account never does.
 */
export function stagingAccountParameters(
  stack: Stack,
  config: DeploymentConfig,
  names: ResourceNames,
): ssm.StringParameter[] {
  return registryParameters(config.stagingAccounts, names.stagingAccountsPath).map((p, i) => {
    if (Buffer.byteLength(p.value) > STANDARD_PARAMETER_LIMIT) {
      throw new Error(
        `staging account parameter ${p.name} is over the ${STANDARD_PARAMETER_LIMIT}-byte standard tier`,
      );
    }
    return new ssm.StringParameter(stack, `StagingAccount${config.stagingAccounts[i]?.accountId}`, {
      parameterName: p.name,
      description: 'drs-orchestration staging account, validated against staging-accounts.schema.json',
      stringValue: p.value,
      tier: ssm.ParameterTier.STANDARD,
    });
  });
}
