/**
 * Reads the staging-account registry from Parameter Store in either form: the single document of
 * design 6.1 (the parameter named by the path) or one parameter per account under the path.
 */
import { awsErrorCode } from '../aws/errors.js';
import type { SsmPort } from '../aws/ports.js';
import {
  type RegistryParameter,
  type ResolvedStagingAccount,
  resolveStagingAccountRegistry,
} from '../contract/staging-accounts.js';

/**
 * The registry's accounts, validated, with defaults applied.
 *
 * @throws {ValidationError} when both forms exist, neither does, or the one present is invalid.
 * @example const accounts = await readStagingAccountRegistry(deps.aws.orchestrator.ssm, '/drs-orchestration/staging-accounts');
 */
export async function readStagingAccountRegistry(
  ssm: SsmPort,
  path: string,
): Promise<ResolvedStagingAccount[]> {
  const [parameters, document] = await Promise.all([
    ssm.getParametersByPath(path),
    ssm.getParameter(path).then(
      (value): RegistryParameter => ({ name: path, value }),
      (err: unknown) => {
        // The per-account form has no parameter named by the path itself.
        if (awsErrorCode(err) === 'ParameterNotFound') return undefined;
        throw err;
      },
    ),
  ]);
  return resolveStagingAccountRegistry({ document, parameters }, path).accounts;
}
