/**
 * SSM Parameter Store (JSON 1.1, `AmazonSSM.*`): `GetParameter`, `GetParametersByPath` and
 * `PutParameter`, per account and region, with versions, `ParameterNotFound`/`ParameterAlreadyExists`,
 * and cross-account reads by ARN only for parameters shared with the caller's account.
 */

import { jsonResponse, missingMemberMessage } from '../../protocols/json.js';
import { paginate } from '../../protocols/paginator.js';
import { fail, jsonInput, notAuthorizedMessage } from '../../protocols/service-errors.js';
import { jsonBodyOf, nonEmpty } from '../../registry.js';
import type { EmulatorResponse, OperationAuthorization, Operations, ServiceContext } from '../../types.js';

/** Parameter types of SSM. */
export type SsmParameterType = 'String' | 'StringList' | 'SecureString';

const TYPES: readonly SsmParameterType[] = ['String', 'StringList', 'SecureString'];

/** One version of a parameter. */
export interface SsmParameterVersion {
  readonly version: number;
  readonly value: string;
  /** ISO-8601. */
  readonly lastModified: string;
}

/** A stored parameter (all versions). */
export interface SsmParameterRecord {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly type: SsmParameterType;
  readonly dataType: string;
  readonly tier: 'Standard' | 'Advanced';
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly keyId?: string;
  /** Accounts this parameter is shared with (readable by ARN from those accounts). */
  readonly sharedWith: readonly string[];
  readonly versions: readonly SsmParameterVersion[];
}

/** Input of {@link SsmState.putParameter}. */
export interface SsmPutInput {
  readonly name: string;
  readonly value: string;
  /** Required for a new parameter. @default the existing type */
  readonly type?: SsmParameterType;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly keyId?: string;
  readonly dataType?: string;
  readonly tier?: 'Standard' | 'Advanced';
  readonly sharedWith?: readonly string[];
  /** @default false */
  readonly overwrite?: boolean;
  /** ISO-8601 time of the change. */
  readonly now: string;
}

/** Serialized form of {@link SsmState}. */
export interface SsmStateSnapshot {
  readonly parameters: readonly SsmParameterRecord[];
}

/** The ARN of a parameter. */
export function parameterArn(accountId: string, region: string, name: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? name : `/${name}`}`;
}

/** The parameters of every account; seed it from the fleet with {@link SsmState.putParameter}. */
export class SsmState {
  readonly #params = new Map<string, SsmParameterRecord>();

  static #key(accountId: string, region: string, name: string): string {
    return `${accountId}\u0000${region}\u0000${name}`;
  }

  /** A parameter by account, region and name. */
  get(accountId: string, region: string, name: string): SsmParameterRecord | undefined {
    return this.#params.get(SsmState.#key(accountId, region, name));
  }

  /**
   * Creates or updates a parameter. Throws `ParameterAlreadyExists` (as an {@link SsmStateError})
   * when it exists and `overwrite` is not set, `ValidationException` for a new one without type.
   */
  putParameter(accountId: string, region: string, input: SsmPutInput): SsmParameterRecord {
    const key = SsmState.#key(accountId, region, input.name);
    const existing = this.#params.get(key);
    if (existing !== undefined && input.overwrite !== true) {
      throw new SsmStateError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = input.type ?? existing?.type;
    if (type === undefined) {
      throw new SsmStateError(
        'ValidationException',
        'A parameter type is required when you create a parameter.',
      );
    }
    const version = (existing?.versions.at(-1)?.version ?? 0) + 1;
    const description = input.description ?? existing?.description;
    const allowedPattern = input.allowedPattern ?? existing?.allowedPattern;
    const keyId = input.keyId ?? existing?.keyId ?? (type === 'SecureString' ? 'alias/aws/ssm' : undefined);
    const record: SsmParameterRecord = {
      name: input.name,
      accountId,
      region,
      type,
      dataType: input.dataType ?? existing?.dataType ?? 'text',
      tier: input.tier ?? existing?.tier ?? 'Standard',
      ...(description === undefined ? {} : { description }),
      ...(allowedPattern === undefined ? {} : { allowedPattern }),
      ...(keyId === undefined ? {} : { keyId }),
      sharedWith: input.sharedWith ?? existing?.sharedWith ?? [],
      versions: [...(existing?.versions ?? []), { version, value: input.value, lastModified: input.now }],
    };
    this.#params.set(key, record);
    return record;
  }

  /**
   * The parameters of one account and region directly under `path` (one more name level), or at
   * any depth below it when `recursive`, ordered by name.
   */
  byPath(accountId: string, region: string, path: string, recursive: boolean): SsmParameterRecord[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return this.all()
      .filter(
        (p) =>
          p.accountId === accountId &&
          p.region === region &&
          p.name.startsWith(prefix) &&
          p.name.length > prefix.length &&
          (recursive || !p.name.slice(prefix.length).includes('/')),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every parameter (for inspection). */
  all(): SsmParameterRecord[] {
    return [...this.#params.values()];
  }

  toJSON(): SsmStateSnapshot {
    return { parameters: this.all() };
  }

  static fromJSON(snapshot: SsmStateSnapshot): SsmState {
    const state = new SsmState();
    for (const p of snapshot.parameters) state.#params.set(SsmState.#key(p.accountId, p.region, p.name), p);
    return state;
  }
}

/** A modelled SSM error raised by {@link SsmState}. */
export class SsmStateError extends Error {
  override readonly name = 'SsmStateError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Narrow ports of the SSM handler. */
export interface SsmPorts {
  readonly state: SsmState;
}

const ARN_NAME = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter(\/.*)$/;
const STANDARD_MAX_VALUE = 4096;
/** GetParametersByPath `MaxResults`: 1 to 10 (model `GetParametersByPathMaxResults`), default 10. */
const BY_PATH_MAX_RESULTS = 10;
const ADVANCED_MAX_VALUE = 8192;

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

/** The SSM operations over its state. */
export function createSsmHandler(ports: SsmPorts): Operations {
  const { state } = ports;

  function validation(message: string, _requestId: string): never {
    throw fail({ code: 'ValidationException', message });
  }

  function resolveName(
    raw: string,
    ctx: ServiceContext,
    region: string,
  ): { accountId: string; region: string; name: string; selector?: string } {
    const m = ARN_NAME.exec(raw);
    let name = m === null ? raw : (m[3] ?? '');
    let selector: string | undefined;
    // Parameter names cannot contain ':', so a colon starts a version selector (`name:3`).
    const colon = name.lastIndexOf(':');
    if (colon > 0) {
      selector = name.slice(colon);
      name = name.slice(0, colon);
    }
    const accountId = m?.[2] ?? ctx.principal.accountId;
    const paramRegion = m?.[1] ?? region;
    // An ARN names `parameter/x` for both `x` and `/x`; the stored name decides.
    if (m !== null && state.get(accountId, paramRegion, name) === undefined) name = name.slice(1);
    return { accountId, region: paramRegion, name, ...(selector === undefined ? {} : { selector }) };
  }

  /**
   * The required name-like member (`Name`, `Path`) of a read, as SSM checks it: missing is a
   * ValidationException naming the member, a non-string or one outside 1-2,048 characters does
   * not deserialize.
   */
  function requiredName(input: Record<string, unknown>, member: 'Name' | 'Path', requestId: string): string {
    const value = input[member];
    if (value === undefined || value === null)
      validation(missingMemberMessage(member.toLowerCase()), requestId);
    if (typeof value !== 'string' || value.length < 1 || value.length > 2048) {
      throw fail({ code: 'SerializationException' });
    }
    return value;
  }

  function getParameter(
    input: Record<string, unknown>,
    region: string,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const { requestId, principal } = ctx;
    const target = resolveName(requiredName(input, 'Name', requestId), ctx, region);
    const arn = parameterArn(target.accountId, target.region, target.name);
    const record = state.get(target.accountId, target.region, target.name);
    if (target.accountId !== principal.accountId) {
      if (record === undefined || !record.sharedWith.includes(principal.accountId)) {
        throw fail({
          code: 'AccessDeniedException',
          message: notAuthorizedMessage(principal.arn, 'ssm:GetParameter', arn).replace(
            / because no identity-based policy allows the ssm:GetParameter action$/,
            ' because no resource-based policy allows the ssm:GetParameter action',
          ),
        });
      }
    }
    if (record === undefined) throw fail({ code: 'ParameterNotFound' });
    let version = record.versions.at(-1);
    if (target.selector !== undefined) {
      const wanted = Number(target.selector.slice(1));
      version = Number.isInteger(wanted) ? record.versions.find((v) => v.version === wanted) : undefined;
      if (version === undefined) {
        throw fail({
          code: 'ParameterVersionNotFound',
          message: `Systems Manager could not find version ${target.selector.slice(1)} of ${target.name}. Verify the version and try again.`,
        });
      }
    }
    if (version === undefined) throw fail({ code: 'ParameterNotFound' });
    const value = visibleValue(record, version.value, input.WithDecryption === true);
    return jsonResponse(
      {
        Parameter: {
          Name: record.name,
          Type: record.type,
          Value: value,
          Version: version.version,
          ...(target.selector === undefined ? {} : { Selector: target.selector }),
          LastModifiedDate: Date.parse(version.lastModified) / 1000,
          ARN: parameterArn(record.accountId, record.region, record.name),
          DataType: record.dataType,
        },
      },
      requestId,
    );
  }

  /** The value a reader sees: a SecureString without decryption stays ciphertext. */
  function visibleValue(record: SsmParameterRecord, value: string, decrypt: boolean): string {
    return record.type === 'SecureString' && !decrypt
      ? `AQICAHg${Buffer.from(`${record.keyId ?? ''}|${value}`).toString('base64')}`
      : value;
  }

  /**
   * GetParametersByPath (the pipeline authorizes it against the path): the
   * caller's own account only (shared parameters are read
   * by ARN); pages of at most 10 whose token names the last parameter returned.
   */
  function getParametersByPath(
    input: Record<string, unknown>,
    region: string,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const { requestId, principal } = ctx;
    const path = requiredName(input, 'Path', requestId);
    if (!path.startsWith('/')) {
      return validation(
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
        requestId,
      );
    }
    const max = input.MaxResults ?? BY_PATH_MAX_RESULTS;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > BY_PATH_MAX_RESULTS) {
      return validation(
        `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${BY_PATH_MAX_RESULTS}`,
        requestId,
      );
    }
    if (Array.isArray(input.ParameterFilters) && input.ParameterFilters.length > 0) {
      // Type, KeyId and Label filters exist on AWS; nothing of ours sends them, so refuse rather than ignore.
      throw fail({
        code: 'InvalidFilterKey',
        message: 'ParameterFilters are not supported by this emulator',
      });
    }
    const records = state.byPath(principal.accountId, region, path, input.Recursive === true);
    const token = typeof input.NextToken === 'string' ? input.NextToken : undefined;
    const page = paginate(records, {
      scope: `GetParametersByPath ${principal.accountId} ${region} ${path} ${input.Recursive === true}`,
      key: (p) => [p.name],
      max,
      token,
    });
    const decrypt = input.WithDecryption === true;
    return jsonResponse(
      {
        Parameters: page.items.map((record) => {
          const version = record.versions.at(-1) as SsmParameterVersion;
          return {
            Name: record.name,
            Type: record.type,
            Value: visibleValue(record, version.value, decrypt),
            Version: version.version,
            LastModifiedDate: Date.parse(version.lastModified) / 1000,
            ARN: parameterArn(record.accountId, record.region, record.name),
            DataType: record.dataType,
          };
        }),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      },
      requestId,
    );
  }

  function putParameter(
    input: Record<string, unknown>,
    region: string,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const { requestId, principal } = ctx;
    if (input.Name === undefined || input.Name === null)
      return validation(missingMemberMessage('name'), requestId);
    if (input.Value === undefined || input.Value === null)
      return validation(missingMemberMessage('value'), requestId);
    if (typeof input.Name !== 'string' || typeof input.Value !== 'string') {
      throw fail({ code: 'SerializationException' });
    }
    const name = input.Name;
    if (name.length < 1 || name.length > 2048) {
      return validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048`,
        requestId,
      );
    }
    if (name.includes('/') && !name.startsWith('/')) {
      return validation('Parameter name must be a fully qualified name.', requestId);
    }
    if (/^\/?(aws|ssm)/i.test(name)) {
      return validation(`No access to reserved parameter name: ${name}.`, requestId);
    }
    if (!/^[a-zA-Z0-9_.\-/]+$/.test(name)) {
      return validation(
        'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
        requestId,
      );
    }
    if (name.split('/').filter((s) => s !== '').length > 15) {
      throw fail({
        code: 'HierarchyLevelLimitExceededException',
        message: 'Parameter name hierarchy depth must be less than or equal to 15.',
      });
    }
    const type = input.Type;
    if (type !== undefined && !TYPES.includes(type as SsmParameterType)) {
      return validation(
        `1 validation error detected: Value '${String(type)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
        requestId,
      );
    }
    const tier = input.Tier === 'Advanced' ? 'Advanced' : 'Standard';
    const max = tier === 'Advanced' ? ADVANCED_MAX_VALUE : STANDARD_MAX_VALUE;
    if (input.Value.length > max) {
      return validation(
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${max}.`,
        requestId,
      );
    }
    if (input.Overwrite === true && Array.isArray(input.Tags) && input.Tags.length > 0) {
      return validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
        requestId,
      );
    }
    if (typeof input.AllowedPattern === 'string') {
      let re: RegExp;
      try {
        re = new RegExp(input.AllowedPattern);
      } catch {
        throw fail({
          code: 'InvalidAllowedPatternException',
          message: 'The allowed pattern is not a valid regular expression.',
        });
      }
      if (!re.test(input.Value)) {
        throw fail({
          code: 'ParameterPatternMismatchException',
          message: `Parameter value, ${input.Value}, failed to satisfy constraint specified in allowedPattern: ${input.AllowedPattern}.`,
        });
      }
    }
    try {
      const record = state.putParameter(principal.accountId, region, {
        name,
        value: input.Value,
        ...(type === undefined ? {} : { type: type as SsmParameterType }),
        ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
        ...(typeof input.AllowedPattern === 'string' ? { allowedPattern: input.AllowedPattern } : {}),
        ...(typeof input.KeyId === 'string' ? { keyId: input.KeyId } : {}),
        ...(typeof input.DataType === 'string' ? { dataType: input.DataType } : {}),
        tier,
        overwrite: input.Overwrite === true,
        now: ctx.now().toISOString(),
      });
      return jsonResponse({ Version: record.versions.at(-1)?.version ?? 1, Tier: record.tier }, requestId);
    } catch (error) {
      if (error instanceof SsmStateError) throw fail({ code: error.code, message: error.message });
      throw error;
    }
  }

  return {
    GetParameter: { run: (req, ctx) => getParameter(jsonInput(req), req.region, ctx), iam: byName },
    GetParametersByPath: {
      run: (req, ctx) => getParametersByPath(jsonInput(req), req.region, ctx),
      iam: byPath,
    },
    PutParameter: { run: (req, ctx) => putParameter(jsonInput(req), req.region, ctx), iam: byName },
  };
}
