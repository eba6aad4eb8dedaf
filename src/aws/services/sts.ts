/** STS port (cross-account sessions); `@aws-sdk/client-sts` is loaded on the first call. */
import { DRSServiceError } from '../../contract/errors.js';
import type { StsPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The STS service module.
 *
 * @example
 * ```ts
 * const { account } = await stsService.create(scope).getCallerIdentity();
 * ```
 */
export const stsService: AwsService<StsPort> = /* @__PURE__ */ sdkService(
  'sts',
  () => import('./sdk/sts.js'),
  (call) => ({
    async assumeRole({ roleArn, sessionName, durationSeconds }) {
      const out = await call('AssumeRole', (sdk, client) =>
        client.send(
          new sdk.AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new DRSServiceError(`sts:AssumeRole of ${roleArn} returned no credentials`, {
          operation: 'sts:AssumeRole',
        });
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ? new Date(c.Expiration) : new Date(8.64e15),
      };
    },
    async getCallerIdentity() {
      const out = await call('GetCallerIdentity', (sdk, client) =>
        client.send(new sdk.GetCallerIdentityCommand({})),
      );
      return { account: out.Account ?? '', arn: out.Arn ?? '' };
    },
  }),
);
