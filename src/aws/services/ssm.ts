/** SSM Parameter Store port; `@aws-sdk/client-ssm` is loaded on the first call. */
import type { SsmPort } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The SSM service module.
 *
 * @example
 * ```ts
 * const accounts = await ssmService.create(scope).getParameter('/drs-orchestration/staging-accounts');
 * ```
 */
export const ssmService: AwsService<SsmPort> = {
  service: 'ssm',
  create({ settings, send }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/ssm.js'),
      (sdk) => new sdk.SSMClient(settings),
    );
    return {
      async getParameter(name) {
        const out = await call('GetParameter', (sdk, client) =>
          client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true })),
        );
        return out.Parameter?.Value ?? '';
      },
    };
  },
};
