/** SSM Parameter Store port; `@aws-sdk/client-ssm` is loaded on the first call. */
import type { SsmPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The SSM service module.
 *
 * @example
 * ```ts
 * const accounts = await ssmService.create(scope).getParametersByPath('/drs-orchestration/staging-accounts');
 * ```
 */
export const ssmService: AwsService<SsmPort> = /* @__PURE__ */ sdkService(
  'ssm',
  () => import('./sdk/ssm.js'),
  (call) => ({
    async getParameter(name) {
      const out = await call('GetParameter', (sdk, client) =>
        client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true })),
      );
      return out.Parameter?.Value ?? '';
    },
    async getParametersByPath(path) {
      const found: { name: string; value: string }[] = [];
      let token: string | undefined;
      do {
        const out = await call('GetParametersByPath', (sdk, client) =>
          client.send(
            new sdk.GetParametersByPathCommand({
              Path: path,
              Recursive: false,
              WithDecryption: true,
              MaxResults: 10,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        for (const p of out.Parameters ?? []) {
          if (p.Name !== undefined) found.push({ name: p.Name, value: p.Value ?? '' });
        }
        token = out.NextToken;
      } while (token);
      // Parameter Store promises no order; the registry's is by name (one account per name).
      return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  }),
);
