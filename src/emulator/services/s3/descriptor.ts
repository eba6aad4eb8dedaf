/**
 * S3 as a registry entry: REST-XML, path-style `/<bucket>/<key>`, routed by method and path;
 * signed over the path as sent and the declared payload hash; the large body cap; bodies kept in
 * memory or as files beside the state file; seeded from the fleet's `s3Buckets`. Its calls are
 * decided by the caller's identity and the bucket's policy together (its `resourcePolicy` hook).
 */
import type { PolicyDocument } from '../../auth/iam-policy.js';
import { fail, ServiceError } from '../../protocols/service-errors.js';
import type { ServiceDescriptor } from '../../registry.js';
import { createS3ResourcePolicyCheck, type KmsKeyView } from './bucket-policy.js';
import {
  applyS3Changes,
  createS3Handler,
  type S3Changes,
  S3State,
  type S3StateSnapshot,
  s3BucketOf,
  s3OperationOf,
} from './s3.js';
import { DirectoryBodyStore, MemoryBodyStore } from './s3-bodies.js';

/** Largest object body the `s3/objects` view shows (a larger one is listed by size and SHA-256). */
const VIEW_BODY_LIMIT = 1024 * 1024;

/** S3 (signing name `s3`). */
export const s3Service: ServiceDescriptor = {
  name: 's3',
  protocol: 'rest-xml',
  operationOf: s3OperationOf,
  // Nothing marks an unsigned S3 request: it is the registry's default (services/index.ts).
  recognizes: () => false,
  unknownOperation: (_operation, req) =>
    fail({
      code: 'MethodNotAllowed',
      message: 'The specified method is not allowed against this resource.',
      status: 405,
      extra: { Method: req.method, ResourceType: 'OBJECT' },
    }),
  invalidPageToken: () =>
    fail({
      code: 'InvalidArgument',
      message: 'The continuation token provided is incorrect',
      status: 400,
      extra: { ArgumentName: 'continuation-token' },
    }),
  signing: { pathAsSent: true, declaredPayloadHash: true },
  objectBodies: true,
  bodyTooLarge: (size, limit) =>
    new ServiceError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      status: 400,
      fields: { ProposedSize: String(size), MaxSizeAllowed: String(limit) },
    }),
  accessDeniedMessage: () => 'Access Denied',
  // Every operation carries its own rule (services/s3/s3.ts); any other is checked on its bucket.
  authorization: {
    fallback: (req, _principal, operation) => ({
      action: `s3:${operation}`,
      resources: `arn:aws:s3:::${s3BucketOf(req)}`,
      region: req.region,
    }),
  },
  applyChanges: (slice, changes) =>
    applyS3Changes(slice as S3StateSnapshot | undefined, changes as S3Changes),
  prune: (slice, limits) => {
    const saved = slice as { buckets?: { objects?: { lastModified?: string; key: string }[] }[] } | undefined;
    if (saved?.buckets === undefined) return slice;
    return {
      ...saved,
      buckets: saved.buckets.map((b) => ({
        ...b,
        objects: [...(b.objects ?? [])]
          .sort((x, y) => Date.parse(y.lastModified ?? '') - Date.parse(x.lastModified ?? ''))
          .slice(0, limits.objectsPerBucket),
      })),
    };
  },
  create(world) {
    const { state: world_ } = world;
    const objectsDir = world.options.objectsDir as string | undefined;
    const restored = world.restored as S3StateSnapshot | undefined;
    const bodies = objectsDir === undefined ? new MemoryBodyStore() : new DirectoryBodyStore(objectsDir);
    const state = restored
      ? S3State.fromJSON(
          restored,
          bodies,
          world_.savedFrom === undefined ? undefined : new DirectoryBodyStore(`${world_.savedFrom}.objects`),
        )
      : new S3State(bodies);
    if (!restored) {
      const seededAt = new Date(world_.clock.nowMs()).toISOString();
      for (const account of world_.accounts()) {
        for (const b of account.fleet.s3Buckets ?? []) {
          state.createBucket(b.name, account.accountId, account.region, {
            allowedAccounts: b.allowAccounts ?? [],
            createdAt: seededAt,
          });
        }
      }
    }
    // The seeded buckets are part of the starting point (saved whole), not a call's change.
    state.takeChanges();
    // Buckets the fleet encrypts with one of its KMS keys (SSE-KMS): the key's policy decides writes.
    const bucketKeys = new Map<string, KmsKeyView>();
    for (const account of world_.accounts()) {
      const keys = new Map((account.fleet.kmsKeys ?? []).map((k) => [k.keyId, k]));
      for (const b of account.fleet.s3Buckets ?? []) {
        const key = b.kmsKeyId === undefined ? undefined : keys.get(b.kmsKeyId);
        if (key === undefined) continue;
        bucketKeys.set(b.name, {
          arn: `arn:aws:kms:${account.region}:${account.accountId}:key/${key.keyId}`,
          policy: key.policy as unknown as PolicyDocument,
          aliases: key.aliases ?? [],
        });
      }
    }
    return {
      operations: createS3Handler({ state }),
      state,
      // Every S3 call is decided by the caller's identity and the bucket's policy together.
      resourcePolicy: createS3ResourcePolicyCheck({
        bucket: (name) => state.bucket(name),
        organizationPathOf: (accountId) => world_.organizationPathOf(accountId),
        bucketKeyOf: (name) => bucketKeys.get(name),
      }),
      views: {
        objects: (q) => ({
          objects: state
            .buckets()
            .filter((b) => !q.get('bucket') || b.name === q.get('bucket'))
            .flatMap((b) =>
              [...b.objects.values()].map((o) => {
                // Small objects (reports, results) are shown; a large body is only named by size.
                const body = o.size <= VIEW_BODY_LIMIT ? state.body(o) : undefined;
                return {
                  bucket: b.name,
                  key: o.key,
                  size: o.size,
                  sha256: o.sha256,
                  ...(body !== undefined && { body: body.toString('utf8') }),
                };
              }),
            ),
        }),
      },
    };
  },
};
