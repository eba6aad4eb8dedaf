/**
 * SNS (query protocol): `CreateTopic` (idempotent) and `Publish`, with every published message
 * recorded for inspection. Publishing to another account's topic needs that topic to list the
 * caller's account (the emulator's stand-in for a topic policy).
 */

import { randomUUID } from 'node:crypto';
import { missingMemberMessage } from '../../protocols/json.js';
import { parseQueryParams, queryResponse, queryStructList } from '../../protocols/query.js';
import { fail, notAuthorizedMessage } from '../../protocols/service-errors.js';
import { xmlElements } from '../../protocols/xml.js';
import { nonEmpty, queryParamsOf } from '../../registry.js';
import type { EmulatorResponse, OperationAuthorization, Operations, ServiceContext } from '../../types.js';

/** The API version of SNS (its query `Version`). */
export const SNS_VERSION = '2010-03-31';
/** The XML namespace of SNS's answers and errors. */
export const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 262_144;

/** A topic. */
export interface SnsTopicRecord {
  readonly arn: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Other accounts allowed to publish. */
  readonly allowedPublishers: readonly string[];
}

/** A message attribute as published. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A published message, as recorded for inspection. */
export interface SnsMessageRecord {
  readonly messageId: string;
  readonly topicArn: string;
  /** Account of the publisher. */
  readonly publisherAccountId: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
  readonly messageAttributes: Readonly<Record<string, SnsMessageAttribute>>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  readonly sequenceNumber?: string;
  /** ISO-8601 virtual time of publication. */
  readonly timestamp: string;
}

/** Serialized form of {@link SnsState}. */
export interface SnsStateSnapshot {
  readonly topics: readonly SnsTopicRecord[];
  readonly messages: readonly SnsMessageRecord[];
}

/** The ARN of a topic. */
export function topicArn(accountId: string, region: string, name: string): string {
  return `arn:aws:sns:${region}:${accountId}:${name}`;
}

/** Topics and published messages of every account. */
export class SnsState {
  readonly #topics = new Map<string, SnsTopicRecord>();
  readonly #messages: SnsMessageRecord[] = [];
  #sequence = 0n;

  /** Creates a topic, or returns the existing one of that name (CreateTopic is idempotent). */
  createTopic(
    accountId: string,
    region: string,
    name: string,
    options: {
      readonly attributes?: Readonly<Record<string, string>>;
      readonly tags?: Readonly<Record<string, string>>;
      readonly allowedPublishers?: readonly string[];
    } = {},
  ): SnsTopicRecord {
    const arn = topicArn(accountId, region, name);
    const existing = this.#topics.get(arn);
    if (existing !== undefined) return existing;
    const topic: SnsTopicRecord = {
      arn,
      name,
      accountId,
      region,
      attributes: options.attributes ?? {},
      tags: options.tags ?? {},
      allowedPublishers: options.allowedPublishers ?? [],
    };
    this.#topics.set(arn, topic);
    return topic;
  }

  topic(arn: string): SnsTopicRecord | undefined {
    return this.#topics.get(arn);
  }

  topics(): SnsTopicRecord[] {
    return [...this.#topics.values()];
  }

  /** Records a published message. */
  record(message: Omit<SnsMessageRecord, 'sequenceNumber'>, fifo: boolean): SnsMessageRecord {
    const stored: SnsMessageRecord = fifo
      ? { ...message, sequenceNumber: (this.#sequence++ + 10000000000000000000n).toString() }
      : message;
    this.#messages.push(stored);
    return stored;
  }

  /** Published messages, oldest first, optionally of one topic. */
  messages(topicArnFilter?: string): SnsMessageRecord[] {
    return this.#messages.filter((m) => topicArnFilter === undefined || m.topicArn === topicArnFilter);
  }

  toJSON(): SnsStateSnapshot {
    return { topics: this.topics(), messages: [...this.#messages] };
  }

  static fromJSON(snapshot: SnsStateSnapshot): SnsState {
    const state = new SnsState();
    for (const t of snapshot.topics) state.#topics.set(t.arn, t);
    state.#messages.push(...snapshot.messages);
    state.#sequence = BigInt(snapshot.messages.filter((m) => m.sequenceNumber !== undefined).length);
    return state;
  }
}

/** Narrow ports of the SNS handler. */
export interface SnsPorts {
  readonly state: SnsState;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

/** `sns:CreateTopic` on the topic it would create, `sns:Publish` on the topic it names. */
const onTopic: OperationAuthorization = (req, principal, operation) => {
  const params = queryParamsOf(req);
  const name = params.get('Name');
  const resource =
    operation === 'CreateTopic'
      ? name === null
        ? '*'
        : `arn:aws:sns:${req.region}:${principal.accountId}:${name}`
      : (nonEmpty(params.get('TopicArn')) ?? nonEmpty(params.get('TargetArn')) ?? '*');
  return { action: `sns:${operation}`, resources: resource, region: req.region };
};

/** The SNS operations over its state. */
export function createSnsHandler(ports: SnsPorts): Operations {
  const { state } = ports;

  const error = (code: string, message: string, status: number, _requestId: string): never => {
    throw fail({ code, message, status });
  };

  function createTopic(params: URLSearchParams, region: string, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    const name = params.get('Name');
    if (name === null) {
      return error('ValidationError', missingMemberMessage('name'), 400, requestId);
    }
    const attributes: Record<string, string> = {};
    for (const entry of queryStructList(params, 'Attributes', 'entry')) {
      if (entry.key !== undefined && entry.value !== undefined) attributes[entry.key] = entry.value;
    }
    const fifo = attributes.FifoTopic === 'true';
    const base = fifo && name.endsWith('.fifo') ? name.slice(0, -5) : name;
    if (!TOPIC_NAME.test(base) || (name.endsWith('.fifo') && !fifo)) {
      return error('InvalidParameter', 'Invalid parameter: Topic Name', 400, requestId);
    }
    if (fifo && !name.endsWith('.fifo')) {
      return error(
        'InvalidParameter',
        'Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
        400,
        requestId,
      );
    }
    const tags: Record<string, string> = {};
    for (const tag of queryStructList(params, 'Tags')) {
      if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    }
    const topic = state.createTopic(principal.accountId, region, name, { attributes, tags });
    return queryResponse({
      action: 'CreateTopic',
      xmlns: XMLNS,
      requestId,
      result: xmlElements([['TopicArn', topic.arn]]),
    });
  }

  function publish(params: URLSearchParams, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    const arn = params.get('TopicArn') ?? params.get('TargetArn');
    if (arn === null) {
      if (params.get('PhoneNumber') !== null) {
        return error(
          'InvalidParameter',
          'Invalid parameter: PhoneNumber Reason: SMS is not supported by this endpoint',
          400,
          requestId,
        );
      }
      return error(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
        400,
        requestId,
      );
    }
    const message = params.get('Message');
    if (message === null) {
      return error('ValidationError', missingMemberMessage('message'), 400, requestId);
    }
    const arnMatch = TOPIC_ARN.exec(arn);
    if (arnMatch === null) return error('InvalidParameter', 'Invalid parameter: TopicArn', 400, requestId);
    if (message === '') return error('InvalidParameter', 'Invalid parameter: Empty message', 400, requestId);
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
      return error('InvalidParameter', 'Invalid parameter: Message too long', 400, requestId);
    }
    const subject = params.get('Subject');
    if (subject !== null && (subject.length === 0 || subject.length > 100 || /[\r\n]/.test(subject))) {
      return error('InvalidParameter', 'Invalid parameter: Subject', 400, requestId);
    }
    const structure = params.get('MessageStructure');
    if (structure !== null) {
      if (structure !== 'json') {
        return error('InvalidParameter', 'Invalid parameter: MessageStructure', 400, requestId);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        parsed = undefined;
      }
      if (
        parsed === null ||
        typeof parsed !== 'object' ||
        typeof (parsed as Record<string, unknown>).default !== 'string'
      ) {
        return error(
          'InvalidParameter',
          'Invalid parameter: Message Structure - No default entry in JSON message body',
          400,
          requestId,
        );
      }
    }
    const attributes: Record<string, SnsMessageAttribute> = {};
    for (const entry of queryStructList(params, 'MessageAttributes', 'entry')) {
      const name = entry.Name;
      const dataType = entry['Value.DataType'];
      if (name === undefined || dataType === undefined) {
        return error(
          'InvalidParameterValue',
          `The message attribute '${name ?? ''}' must contain non-empty message attribute type.`,
          400,
          requestId,
        );
      }
      const stringValue = entry['Value.StringValue'];
      const binaryValue = entry['Value.BinaryValue'];
      attributes[name] = {
        DataType: dataType,
        ...(stringValue === undefined ? {} : { StringValue: stringValue }),
        ...(binaryValue === undefined ? {} : { BinaryValue: binaryValue }),
      };
    }
    const topic = state.topic(arn);
    const ownerAccount = arnMatch[2] ?? '';
    if (
      ownerAccount !== principal.accountId &&
      (topic === undefined || !topic.allowedPublishers.includes(principal.accountId))
    ) {
      return error(
        'AuthorizationError',
        notAuthorizedMessage(principal.arn, 'SNS:Publish', arn).replace(/ because .*$/, ''),
        403,
        requestId,
      );
    }
    if (topic === undefined) return error('NotFound', 'Topic does not exist', 404, requestId);
    const fifo = topic.name.endsWith('.fifo');
    const groupId = params.get('MessageGroupId');
    const dedupId = params.get('MessageDeduplicationId');
    if (fifo && groupId === null) {
      return error(
        'InvalidParameter',
        'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
        400,
        requestId,
      );
    }
    const stored = state.record(
      {
        messageId: randomUUID(),
        topicArn: arn,
        publisherAccountId: principal.accountId,
        ...(subject === null ? {} : { subject }),
        message,
        ...(structure === null ? {} : { messageStructure: structure }),
        messageAttributes: attributes,
        ...(groupId === null ? {} : { messageGroupId: groupId }),
        ...(dedupId === null ? {} : { messageDeduplicationId: dedupId }),
        timestamp: ctx.now().toISOString(),
      },
      fifo,
    );
    return queryResponse({
      action: 'Publish',
      xmlns: XMLNS,
      requestId,
      result: xmlElements([
        ['MessageId', stored.messageId],
        ['SequenceNumber', stored.sequenceNumber],
      ]),
    });
  }

  return {
    CreateTopic: { run: (req, ctx) => createTopic(parseQueryParams(req), req.region, ctx), iam: onTopic },
    Publish: { run: (req, ctx) => publish(parseQueryParams(req), ctx), iam: onTopic },
  };
}
