/**
 * Issue 21 point 1, the construct library's props beyond the example app: a KMS key of the
 * organization's own (used everywhere, none created).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DrsOrchestrator, type DrsOrchestratorProps } from '../../infra/lib/index.js';
import { FIXTURE_HANDLERS, resourcesOf } from './support.js';

const KEY = 'arn:aws:kms:eu-central-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The orchestrator's two templates for the given extra props. */
function orchestrator(extra: Partial<DrsOrchestratorProps> = {}) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'drs-props-')),
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
  });
  const built = new DrsOrchestrator(app, 'Orchestrator', {
    orchestratorAccountId: '210987654321',
    orchestratorRegion: 'eu-central-1',
    organizationId: 'o-acmeorg0001',
    handlersDir: FIXTURE_HANDLERS,
    ...extra,
  });
  app.synth();
  return {
    built,
    main: Template.fromStack(built.main),
    observability: Template.fromStack(built.observability),
  };
}

describe('Construct props: bring your own KMS key (kmsKeyArn)', () => {
  it('creates no key or alias and encrypts the bucket, histories, logs and topic with the given key', () => {
    const { main, observability } = orchestrator({ kmsKeyArn: KEY });
    for (const t of [main, observability]) {
      expect(Object.keys(resourcesOf(t, 'AWS::KMS::Key'))).toEqual([]);
      expect(Object.keys(resourcesOf(t, 'AWS::KMS::Alias'))).toEqual([]);
    }
    const buckets = Object.values(resourcesOf(main, 'AWS::S3::Bucket'));
    const kmsBuckets = buckets.filter((b) => JSON.stringify(b.BucketEncryption).includes('aws:kms'));
    expect(kmsBuckets).toHaveLength(1);
    expect(JSON.stringify(kmsBuckets[0]?.BucketEncryption)).toContain(KEY);
    const machines = Object.values(resourcesOf(main, 'AWS::StepFunctions::StateMachine'));
    expect(machines.length).toBe(3);
    for (const m of machines)
      expect((m.EncryptionConfiguration as { KmsKeyId?: unknown }).KmsKeyId).toBe(KEY);
    const groups = Object.values(resourcesOf(main, 'AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(10);
    for (const g of groups) expect(g.KmsKeyId).toBe(KEY);
    const topics = Object.values(resourcesOf(observability, 'AWS::SNS::Topic'));
    expect(topics.map((t) => t.KmsMasterKeyId)).toEqual([KEY]);
  });

  it('creates its own rotating key, kept except on a failed create, when no key is given', () => {
    const { main } = orchestrator();
    const keys = main.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
    const created = Object.values(keys).filter((r) => r.Type === 'AWS::KMS::Key');
    expect(created).toHaveLength(1);
    expect(created[0]?.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(JSON.stringify(main.toJSON())).not.toContain(KEY);
  });
});
