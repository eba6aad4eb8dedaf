/** S3 port (the results bucket); `@aws-sdk/client-s3` is loaded on the first call. */
import type { S3Port } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The S3 service module. Against a custom endpoint (the emulator) it uses path-style URLs.
 *
 * @example
 * ```ts
 * await s3Service.create(scope).putObject({ bucket: 'results', key: 'a.json', body: '{}' });
 * ```
 */
export const s3Service: AwsService<S3Port> = {
  service: 's3',
  create({ settings, send, customEndpoint }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/s3.js'),
      (sdk) => new sdk.S3Client({ ...settings, forcePathStyle: customEndpoint }),
    );
    return {
      async putObject({ bucket, key, body, contentType }) {
        await call('PutObject', (sdk, client) =>
          client.send(
            new sdk.PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: body,
              ContentType: contentType ?? 'application/json',
            }),
          ),
        );
      },
      getObject: ({ bucket, key }) =>
        call('GetObject', async (sdk, client) => {
          const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
          return out.Body ? await out.Body.transformToString('utf8') : '';
        }),
    };
  },
};
