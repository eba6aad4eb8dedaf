/**
 * The customer-managed KMS key of one account's drs-orchestration resources (design 12.2): log
 * groups, Lambda environments, Step Functions history, the results bucket and the SNS topic.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * Creates a rotating key that CloudWatch Logs may use for this account's log groups.
 *
 * @example const key = createOrchestrationKey(this, 'Key', 'alias/drs-orchestration');
 */
export function createOrchestrationKey(scope: Construct, id: string, alias: string): kms.Key {
  const key = new kms.Key(scope, id, {
    alias,
    description:
      'drs-orchestration: logs, lambda environment, step functions history, results, notifications',
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    // RetainExceptOnCreate: kept on delete (the retained log groups and results stay readable),
    // but a failed first create removes it instead of orphaning one key per attempt.
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );
  return key;
}
