/**
 * The executors' Lambda code as StackSet artifacts: content-addressed zips in the orchestrator
 * account's artifact bucket of each Region. Apart from `stacksets.ts` so that the construct
 * library (`infra/lib`) loads neither cdk-nag nor the StackSet writer.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HandlerBundle } from './bundle.js';
import { zipFiles } from './zip.js';

/** Key prefix of the Lambda zips in the artifact bucket. */
export const ARTIFACT_PREFIX = 'lambda/';

/**
 * The orchestrator account's artifact bucket of one Region (the Lambda code of the executors
 * there: Lambda reads code only from a bucket in the function's Region).
 *
 * @example artifactBucketName('123456789012', 'us-east-2') // 'drs-orchestration-artifacts-123456789012-us-east-2'
 */
export function artifactBucketName(orchestratorAccountId: string, region: string): string {
  return `drs-orchestration-artifacts-${orchestratorAccountId}-${region}`;
}

/** The zip of a bundle and its content-addressed key. */
export function bundleArtifact(bundle: HandlerBundle): { key: string; zip: Buffer } {
  const zip = zipFiles([{ name: 'index.mjs', data: readFileSync(bundle.file) }]);
  const hash = createHash('sha256').update(zip).digest('hex').slice(0, 16);
  return { key: `${ARTIFACT_PREFIX}${bundle.taskId}-${hash}.zip`, zip };
}
