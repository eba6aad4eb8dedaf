/**
 * SSM Parameter Store as a registry entry: JSON 1.1 (`AmazonSSM.*`), its operations over
 * {@link SsmState}, IAM on the parameter's ARN, seeded from the fleet's `ssmParameters`.
 */
import { fail } from '../../protocols/service-errors.js';
import {
  anyResource,
  jsonBodyOf,
  jsonProtocol,
  nonEmpty,
  type OperationAuthorization,
  type ServiceDescriptor,
} from '../../registry.js';
import { createSsmHandler, parameterArn, SsmState, type SsmStateSnapshot } from './ssm.js';

const SSM_ARN = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.*?)(?::[^:/]*)?$/;

/**
 * `ssm:GetParameter` / `ssm:PutParameter` on the parameter's ARN: the ARN given as `Name`
 * (another account's shared parameter), else the caller's own; a `:version` selector is not
 * part of the resource.
 */
const byName: OperationAuthorization = (req, principal, operation) => {
  const name = nonEmpty(jsonBodyOf(req)?.Name);
  let resource = '*';
  if (name !== undefined) {
    const arn = SSM_ARN.exec(name);
    if (arn) resource = arn[1] ?? name;
    else {
      // Parameter names cannot contain ':', so a colon starts a version selector (`name:3`).
      const colon = name.lastIndexOf(':');
      resource = parameterArn(principal.accountId, req.region, colon > 0 ? name.slice(0, colon) : name);
    }
  }
  return { action: `ssm:${operation}`, resources: resource, region: req.region };
};

/**
 * `ssm:GetParametersByPath` on the path's ARN (the caller's account): Parameter Store authorizes
 * it against the path, not against the parameters it returns (Systems Manager user guide, "How
 * Parameter Store authorizes parameter retrieval"). A trailing `/` is not part of the resource.
 */
const byPath: OperationAuthorization = (req, principal, operation) => {
  const path = nonEmpty(jsonBodyOf(req)?.Path);
  const resource =
    path === undefined || !path.startsWith('/')
      ? '*'
      : parameterArn(principal.accountId, req.region, path.length > 1 ? path.replace(/\/+$/, '') : path);
  return { action: `ssm:${operation}`, resources: resource, region: req.region };
};

/** SSM (signing name `ssm`). */
export const ssmService: ServiceDescriptor = {
  name: 'ssm',
  ...jsonProtocol('AmazonSSM'),
  authorization: {
    byOperation: { GetParameter: byName, GetParametersByPath: byPath, PutParameter: byName },
    fallback: anyResource('ssm'),
  },
  invalidPageToken: () => fail({ code: 'InvalidNextToken', message: 'The specified token is not valid.' }),
  create(world) {
    const restored = world.restored as SsmStateSnapshot | undefined;
    const state = restored ? SsmState.fromJSON(restored) : new SsmState();
    if (!restored) {
      const seededAt = new Date(world.state.clock.nowMs()).toISOString();
      for (const account of world.state.accounts()) {
        for (const p of account.fleet.ssmParameters ?? []) {
          state.putParameter(account.accountId, account.region, {
            name: p.name,
            value: p.value,
            type: p.type ?? 'String',
            overwrite: true,
            now: seededAt,
          });
        }
      }
    }
    return {
      operations: createSsmHandler({ state }),
      state,
      views: { parameters: () => ({ parameters: state.all() }) },
    };
  },
};
