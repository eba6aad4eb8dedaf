/**
 * Service Quotas (JSON 1.1, `ServiceQuotasV20190624.*`): `GetServiceQuota`,
 * `GetAWSDefaultServiceQuota` and `ListServiceQuotas` for ServiceCode `drs`, answering the
 * account's values (from the fleet) with the fields AWS returns. Any other service or quota code
 * is `NoSuchResourceException`.
 */

import { jsonResponse, missingMemberMessage } from '../../protocols/json.js';
import { fail, jsonInput } from '../../protocols/service-errors.js';
import { jsonBodyOf, nonEmpty } from '../../registry.js';
import type { EmulatorResponse, OperationAuthorization, Operations, ServiceContext } from '../../types.js';

/** A quota the emulator knows. */
export interface QuotaDefinition {
  readonly code: string;
  readonly name: string;
  /** AWS's default for new accounts. */
  readonly defaultValue: number;
  readonly adjustable: boolean;
  readonly description: string;
}

/** The DRS quotas (docs/architecture.md §3); the codes are the ones AWS uses for ServiceCode `drs`. */
export const DRS_QUOTAS: readonly QuotaDefinition[] = [
  {
    code: 'L-B827C881',
    name: 'Max number of source servers in a single Job',
    defaultValue: 100,
    adjustable: false,
    description: 'The maximum number of source servers that can be included in a single launch or drill job.',
  },
  {
    code: 'L-05AFA8C6',
    name: 'Max number of source servers in all Jobs',
    defaultValue: 500,
    adjustable: false,
    description: 'The maximum number of source servers that can participate in all active jobs combined.',
  },
  {
    code: 'L-D88FAC3A',
    name: 'Max concurrent Jobs',
    defaultValue: 20,
    adjustable: false,
    description: 'The maximum number of jobs that can run at the same time.',
  },
  {
    code: 'L-DD6D028C',
    name: 'Max number of concurrent Jobs per source server',
    defaultValue: 1,
    adjustable: false,
    description: 'The maximum number of active jobs a single source server can participate in.',
  },
  {
    code: 'L-C1D14A2B',
    name: 'Max number of replicating source servers',
    defaultValue: 300,
    adjustable: true,
    description: 'The maximum number of source servers replicating into one staging account.',
  },
];

/** ServiceCode of DRS in Service Quotas. */
export const DRS_SERVICE_CODE = 'drs';
/** ServiceName AWS reports for it. */
export const DRS_SERVICE_NAME = 'AWS Elastic Disaster Recovery';

/** Narrow ports of the Service Quotas handler. */
export interface ServiceQuotasPorts {
  /**
   * The account's applied DRS quota values by quota code; codes left out answer their
   * {@link QuotaDefinition.defaultValue}.
   */
  quotas(accountId: string, region: string): Readonly<Record<string, number>>;
}

const CODE_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]{1,128}$/;
const SERVICE_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]{1,63}$/;

/** The quota's ARN for the per-quota reads, `*` for the listing. */
const onQuota: OperationAuthorization = (req, principal, operation) => {
  const body = jsonBodyOf(req);
  const service = nonEmpty(body?.ServiceCode);
  const code = nonEmpty(body?.QuotaCode);
  return {
    action: `servicequotas:${operation}`,
    resources:
      operation === 'ListServiceQuotas' || service === undefined || code === undefined
        ? '*'
        : `arn:aws:servicequotas:${req.region}:${principal.accountId}:${service}/${code}`,
    region: req.region,
  };
};

/** The Service Quotas operations. */
export function createServiceQuotasHandler(ports: ServiceQuotasPorts): Operations {
  const err = (type: string, message: string, _requestId: string): never => {
    throw fail({ code: type, message });
  };

  function quotaBody(
    def: QuotaDefinition,
    value: number,
    accountId: string,
    region: string,
    global: boolean,
  ) {
    return {
      ServiceCode: DRS_SERVICE_CODE,
      ServiceName: DRS_SERVICE_NAME,
      QuotaArn: global
        ? `arn:aws:servicequotas:${region}::${DRS_SERVICE_CODE}/${def.code}`
        : `arn:aws:servicequotas:${region}:${accountId}:${DRS_SERVICE_CODE}/${def.code}`,
      QuotaCode: def.code,
      QuotaName: def.name,
      Value: value,
      Unit: 'None',
      Adjustable: def.adjustable,
      GlobalQuota: false,
      QuotaAppliedAtLevel: 'ACCOUNT',
      Description: def.description,
    };
  }

  function checkInput(
    input: Record<string, unknown>,
    requestId: string,
    needQuota: boolean,
  ): EmulatorResponse | undefined {
    for (const member of needQuota ? ['ServiceCode', 'QuotaCode'] : ['ServiceCode']) {
      const value = input[member];
      if (value === undefined || value === null) {
        return err(
          'ValidationException',
          missingMemberMessage(`${member.charAt(0).toLowerCase()}${member.slice(1)}`),
          requestId,
        );
      }
      const pattern = member === 'ServiceCode' ? SERVICE_PATTERN : CODE_PATTERN;
      if (typeof value !== 'string' || !pattern.test(value)) {
        return err(
          'ValidationException',
          `1 validation error detected: Value '${String(value)}' at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`,
          requestId,
        );
      }
    }
    if (input.ServiceCode !== DRS_SERVICE_CODE) {
      return err(
        'NoSuchResourceException',
        'The request failed because the specified service does not exist.',
        requestId,
      );
    }
    return undefined;
  }

  function getQuota(
    input: Record<string, unknown>,
    region: string,
    ctx: ServiceContext,
    applied: boolean,
  ): EmulatorResponse {
    const { requestId, principal } = ctx;
    const invalid = checkInput(input, requestId, true);
    if (invalid !== undefined) return invalid;
    const code = input.QuotaCode as string;
    const def = DRS_QUOTAS.find((q) => q.code === code);
    if (def === undefined) {
      return err(
        'NoSuchResourceException',
        'The request failed because the specified quota does not exist.',
        requestId,
      );
    }
    const value = applied
      ? (ports.quotas(principal.accountId, region)[code] ?? def.defaultValue)
      : def.defaultValue;
    return jsonResponse({ Quota: quotaBody(def, value, principal.accountId, region, !applied) }, requestId);
  }

  function listQuotas(input: Record<string, unknown>, region: string, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    const invalid = checkInput(input, requestId, false);
    if (invalid !== undefined) return invalid;
    const values = ports.quotas(principal.accountId, region);
    return jsonResponse(
      {
        Quotas: DRS_QUOTAS.map((def) =>
          quotaBody(def, values[def.code] ?? def.defaultValue, principal.accountId, region, false),
        ),
      },
      requestId,
    );
  }

  return {
    GetServiceQuota: { run: (req, ctx) => getQuota(jsonInput(req), req.region, ctx, true), iam: onQuota },
    GetAWSDefaultServiceQuota: {
      run: (req, ctx) => getQuota(jsonInput(req), req.region, ctx, false),
      iam: onQuota,
    },
    ListServiceQuotas: { run: (req, ctx) => listQuotas(jsonInput(req), req.region, ctx), iam: onQuota },
  };
}
