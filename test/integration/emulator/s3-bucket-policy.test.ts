/**
 * S3 bucket policies over the real SDK: PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy,
 * and every S3 call decided by the caller's identity policy and the bucket policy together, with
 * the organization keys (`aws:PrincipalOrgPaths`, `aws:PrincipalOrgID`) and `aws:PrincipalArn`.
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLEET_DR_OU_PATH,
  FLEET_ORGANIZATION_ID,
  FLEET_PLATFORM_OU_PATH,
} from '../../../src/emulator/auth/organization.js';
import type { Fleet, FleetRole } from '../../../src/emulator/fleet/types.js';
import { type Emulator, generateFleet, startEmulator } from '../../../src/emulator/index.js';

const OWNER = '123456789012';
const IN_OU = '111111111111';
const OUTSIDE_OU = '333333333333';
const BUCKET = 'policy-test-bucket';

/** A role the owner's root may assume, with the given identity policies (none: unrestricted). */
function role(name: string, statements?: readonly Record<string, unknown>[]): FleetRole {
  return {
    name,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'sts:AssumeRole' },
      ],
    },
    ...(statements ? { policies: [{ Version: '2012-10-17', Statement: statements }] } : {}),
  } as FleetRole;
}

function fleet(): Fleet {
  const base = generateFleet({ seed: 5, accounts: [IN_OU, OUTSIDE_OU], serversPerAccount: 1 });
  return {
    ...base,
    accounts: base.accounts.map((a) => {
      if (a.accountId === OWNER) {
        return {
          ...a,
          kmsKeys: [
            { keyId: 'key-root-only', policy: keyPolicy(false) },
            { keyId: 'key-writers', aliases: ['alias/results'], policy: keyPolicy(true) },
          ],
          s3Buckets: [
            ...(a.s3Buckets ?? []),
            { name: LOCKED_KEY_BUCKET, kmsKeyId: 'key-root-only' },
            { name: OPEN_KEY_BUCKET, kmsKeyId: 'key-writers' },
          ],
          roles: [
            ...(a.roles ?? []),
            // Identity policy grants no S3 at all: only the bucket policy can let it in.
            role('Named-In-Bucket-Policy', [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }]),
            role('Not-Named', [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }]),
            role('Owner-Admin'),
          ],
        };
      }
      return {
        ...a,
        ...(a.accountId === OUTSIDE_OU ? { organizationPath: FLEET_PLATFORM_OU_PATH } : {}),
        roles: [
          ...(a.roles ?? []),
          role('Results-Writer'),
          role('Someone-Else'),
          role('Writer-Without-Identity-Grant', [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }]),
        ],
      };
    }),
  };
}

const LOCKED_KEY_BUCKET = 'kms-root-only-bucket';
const OPEN_KEY_BUCKET = 'kms-writers-bucket';

/**
 * A key policy: the owner account's IAM decides (root delegation), and with `writers` the DR OU's
 * results writers may also have data keys, only through S3.
 */
function keyPolicy(writers: boolean) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' },
      ...(writers
        ? [
            {
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: 'kms:GenerateDataKey',
              Resource: '*',
              Condition: {
                StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
                'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${FLEET_DR_OU_PATH}*`] },
                ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Results-Writer' },
              },
            },
          ]
        : []),
    ],
  } as FleetRole['trustPolicy'];
}

/** The policy under test: the DR OU's results writers may put under results/, nobody may delete. */
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'WritersInDrOu',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${BUCKET}/results/*`,
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': FLEET_ORGANIZATION_ID },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${FLEET_DR_OU_PATH}*`] },
        ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Results-Writer' },
      },
    },
    {
      Sid: 'NamedRoleReads',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWNER}:role/Named-In-Bucket-Policy` },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    },
    {
      Sid: 'EnforceSsl',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'NoOneWritesLocked',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${BUCKET}/locked/*`,
    },
  ],
});

describe('Emulator: S3 bucket policies (with the caller’s identity policies)', () => {
  let emu: Emulator;
  const config = () => ({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
  });
  const asRoot = () => new S3Client({ ...config(), credentials: emu.credentials });

  async function as(accountId: string, roleName: string): Promise<S3Client> {
    const sts = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: emu.credentials });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
        RoleSessionName: 'test',
      }),
    );
    return new S3Client({
      ...config(),
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
  }

  /** `ok` or the error name of a call. */
  async function outcome(call: Promise<unknown>): Promise<string> {
    try {
      await call;
      return 'ok';
    } catch (err) {
      return (err as Error).name;
    }
  }

  const put = (client: S3Client, key: string) =>
    outcome(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' })));

  beforeAll(async () => {
    emu = await startEmulator({ fleet: fleet(), timeScale: 0 });
    await asRoot().send(new CreateBucketCommand({ Bucket: BUCKET }));
    await asRoot().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/a.json', Body: '{}' }));
    await asRoot().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY }));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('stores the policy as given and answers it back; another account may not read it', async () => {
    const got = await asRoot().send(new GetBucketPolicyCommand({ Bucket: BUCKET }));
    expect(got.Policy).toBe(POLICY);
    expect(
      await outcome((await as(IN_OU, 'Results-Writer')).send(new GetBucketPolicyCommand({ Bucket: BUCKET }))),
    ).toBe('AccessDenied');
  });

  it('lets a writer role of an account in the DR OU put under results/, not elsewhere', async () => {
    const writer = await as(IN_OU, 'Results-Writer');
    expect(await put(writer, 'results/run-1/111111111111.json')).toBe('ok');
    expect(await put(writer, 'other/run-1.json')).toBe('AccessDenied');
  });

  it('denies the same role in an account outside the DR OU (aws:PrincipalOrgPaths)', async () => {
    expect(await put(await as(OUTSIDE_OU, 'Results-Writer'), 'results/run-1/333333333333.json')).toBe(
      'AccessDenied',
    );
  });

  it('denies another role of an account in the DR OU (aws:PrincipalArn)', async () => {
    expect(await put(await as(IN_OU, 'Someone-Else'), 'results/run-1/x.json')).toBe('AccessDenied');
  });

  it('needs the caller’s identity policy too across accounts: the bucket policy alone is not enough', async () => {
    // A policy naming the role itself: its own account's identity policy (no S3) still has to allow.
    await asRoot().send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${IN_OU}:role/Writer-Without-Identity-Grant` },
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${BUCKET}/*`,
            },
          ],
        }),
      }),
    );
    try {
      expect(await put(await as(IN_OU, 'Writer-Without-Identity-Grant'), 'results/y.json')).toBe(
        'AccessDenied',
      );
    } finally {
      await asRoot().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY }));
    }
  });

  it('lets a role of the owner account that the bucket policy names read, though its identity policy grants no S3', async () => {
    const named = await as(OWNER, 'Named-In-Bucket-Policy');
    const got = await named.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'data/a.json' }));
    expect(await got.Body?.transformToString()).toBe('{}');
    expect(
      await outcome(
        (await as(OWNER, 'Not-Named')).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'data/a.json' })),
      ),
    ).toBe('AccessDenied');
  });

  it('lets an explicit Deny of the bucket policy win over an unrestricted identity, and over the root user', async () => {
    expect(await put(await as(OWNER, 'Owner-Admin'), 'locked/a.json')).toBe('AccessDenied');
    expect(await put(asRoot(), 'locked/a.json')).toBe('AccessDenied');
    expect(await put(asRoot(), 'data/b.json')).toBe('ok');
  });

  it('refuses a malformed policy and one without a Principal (MalformedPolicy), keeping the old one', async () => {
    const bad = (Policy: string) =>
      outcome(asRoot().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy })));
    expect(await bad('not json')).toBe('MalformedPolicy');
    expect(
      await bad(
        JSON.stringify({
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*` }],
        }),
      ),
    ).toBe('MalformedPolicy');
    expect((await asRoot().send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(POLICY);
  });

  it('needs the bucket’s KMS key policy too: a writer the bucket admits is refused a key that does not admit it', async () => {
    const writerPolicy = (bucket: string) =>
      JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: `arn:aws:s3:::${bucket}/*`,
            Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${FLEET_DR_OU_PATH}*`] } },
          },
        ],
      });
    for (const bucket of [LOCKED_KEY_BUCKET, OPEN_KEY_BUCKET]) {
      await asRoot().send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: writerPolicy(bucket) }));
    }
    const writer = await as(IN_OU, 'Results-Writer');
    const putTo = (client: S3Client, bucket: string) =>
      outcome(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'results/a.json', Body: 'x' })));
    expect(await putTo(writer, LOCKED_KEY_BUCKET)).toBe('AccessDenied');
    expect(await putTo(writer, OPEN_KEY_BUCKET)).toBe('ok');
    // Another role of the same account: the bucket admits it, the key's policy does not.
    expect(await putTo(await as(IN_OU, 'Someone-Else'), OPEN_KEY_BUCKET)).toBe('AccessDenied');
    // The owner's root: its IAM decides (the key policy delegates to the account).
    expect(await putTo(asRoot(), LOCKED_KEY_BUCKET)).toBe('ok');
  });

  it('deletes the policy: GetBucketPolicy then answers NoSuchBucketPolicy and the OU writer is refused', async () => {
    await asRoot().send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    try {
      expect(await outcome(asRoot().send(new GetBucketPolicyCommand({ Bucket: BUCKET })))).toBe(
        'NoSuchBucketPolicy',
      );
      expect(await put(await as(IN_OU, 'Results-Writer'), 'results/run-2/a.json')).toBe('AccessDenied');
    } finally {
      await asRoot().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: POLICY }));
    }
  });
});
