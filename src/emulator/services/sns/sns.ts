/**
 * SNS (query protocol): `CreateTopic` (idempotent), `Publish`, `Subscribe` (email and HTTP
 * endpoints wait for confirmation, the others are confirmed at once), `ListSubscriptionsByTopic`
 * (pages of 100) and `GetTopicAttributes`, with every published message recorded for inspection. Publishing to another account's topic needs that topic to list the
 * caller's account (the emulator's stand-in for a topic policy).
 */

import { randomUUID } from 'node:crypto';
import { missingMemberMessage } from '../../protocols/json.js';
import { paginate } from '../../protocols/paginator.js';
import { parseQueryParams, queryResponse, queryStructList } from '../../protocols/query.js';
import { fail, notAuthorizedMessage } from '../../protocols/service-errors.js';
import { raw, xmlElements } from '../../protocols/xml.js';
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

/** A subscription of a topic. */
export interface SnsSubscriptionRecord {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  /** The subscriber's account. */
  readonly owner: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** Email and HTTP endpoints confirm by a link SNS sends; until then the subscription is pending. */
  readonly pendingConfirmation: boolean;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Serialized form of {@link SnsState}. */
export interface SnsStateSnapshot {
  readonly topics: readonly SnsTopicRecord[];
  readonly messages: readonly SnsMessageRecord[];
  /** @default [] (worlds saved before subscriptions were served) */
  readonly subscriptions?: readonly SnsSubscriptionRecord[];
}

/** Protocols whose subscriptions wait for the endpoint to confirm. */
const CONFIRMED_BY_ENDPOINT = new Set(['email', 'email-json', 'http', 'https']);
/** Protocols SNS accepts in Subscribe. */
const PROTOCOLS = new Set([
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
]);

/** The ARN of a topic. */
export function topicArn(accountId: string, region: string, name: string): string {
  return `arn:aws:sns:${region}:${accountId}:${name}`;
}

/** Topics and published messages of every account. */
export class SnsState {
  readonly #topics = new Map<string, SnsTopicRecord>();
  readonly #messages: SnsMessageRecord[] = [];
  readonly #subscriptions: SnsSubscriptionRecord[] = [];
  #sequence = 0n;

  /**
   * Subscribes an endpoint, or returns its existing subscription (Subscribe is idempotent for the
   * same topic, protocol and endpoint).
   */
  subscribe(subscription: SnsSubscriptionRecord): SnsSubscriptionRecord {
    const existing = this.#subscriptions.find(
      (s) =>
        s.topicArn === subscription.topicArn &&
        s.protocol === subscription.protocol &&
        s.endpoint === subscription.endpoint,
    );
    if (existing !== undefined) return existing;
    this.#subscriptions.push(subscription);
    return subscription;
  }

  /** Subscriptions of a topic, in the order they were made. */
  subscriptions(topicArnFilter: string): SnsSubscriptionRecord[] {
    return this.#subscriptions.filter((s) => s.topicArn === topicArnFilter);
  }

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
    return { topics: this.topics(), messages: [...this.#messages], subscriptions: [...this.#subscriptions] };
  }

  static fromJSON(snapshot: SnsStateSnapshot): SnsState {
    const state = new SnsState();
    for (const t of snapshot.topics) state.#topics.set(t.arn, t);
    state.#messages.push(...snapshot.messages);
    state.#subscriptions.push(...(snapshot.subscriptions ?? []));
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

  /** The topic a call names by `TopicArn`, in the caller's reach. @throws NotFound / InvalidParameter / AuthorizationError */
  function requireTopic(params: URLSearchParams, ctx: ServiceContext, action: string): SnsTopicRecord {
    const arn = params.get('TopicArn');
    if (arn === null) return error('ValidationError', missingMemberMessage('topicArn'), 400, ctx.requestId);
    const match = TOPIC_ARN.exec(arn);
    if (match === null) return error('InvalidParameter', 'Invalid parameter: TopicArn', 400, ctx.requestId);
    const topic = state.topic(arn);
    if (match[2] !== ctx.principal.accountId)
      return error(
        'AuthorizationError',
        notAuthorizedMessage(ctx.principal.arn, `SNS:${action}`, arn).replace(/ because .*$/, ''),
        403,
        ctx.requestId,
      );
    if (topic === undefined) return error('NotFound', 'Topic does not exist', 404, ctx.requestId);
    return topic;
  }

  function subscribe(params: URLSearchParams, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    const protocol = params.get('Protocol');
    if (protocol === null) return error('ValidationError', missingMemberMessage('protocol'), 400, requestId);
    const topic = requireTopic(params, ctx, 'Subscribe');
    if (!PROTOCOLS.has(protocol))
      return error(
        'InvalidParameter',
        'Invalid parameter: Amazon SNS does not support this protocol string: ' + protocol,
        400,
        requestId,
      );
    const endpoint = params.get('Endpoint') ?? '';
    const valid =
      protocol === 'email' || protocol === 'email-json'
        ? /^[^@\s]+@[^@\s]+$/.test(endpoint)
        : protocol === 'http' || protocol === 'https'
          ? endpoint.startsWith(`${protocol}://`)
          : protocol === 'sms'
            ? /^\+?[0-9]{6,15}$/.test(endpoint)
            : endpoint.startsWith('arn:');
    if (!valid) return error('InvalidParameter', 'Invalid parameter: Endpoint', 400, requestId);
    const attributes: Record<string, string> = {};
    for (const entry of queryStructList(params, 'Attributes', 'entry')) {
      if (entry.key !== undefined && entry.value !== undefined) attributes[entry.key] = entry.value;
    }
    const subscription = state.subscribe({
      subscriptionArn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      owner: principal.accountId,
      protocol,
      endpoint,
      pendingConfirmation: CONFIRMED_BY_ENDPOINT.has(protocol),
      attributes,
    });
    // A pending subscription's ARN is not given out unless the caller asks for it.
    const shown =
      subscription.pendingConfirmation && params.get('ReturnSubscriptionArn') !== 'true'
        ? 'pending confirmation'
        : subscription.subscriptionArn;
    return queryResponse({
      action: 'Subscribe',
      xmlns: XMLNS,
      requestId,
      result: xmlElements([['SubscriptionArn', shown]]),
    });
  }

  function listSubscriptionsByTopic(params: URLSearchParams, ctx: ServiceContext): EmulatorResponse {
    const topic = requireTopic(params, ctx, 'ListSubscriptionsByTopic');
    const page = paginate(
      state.subscriptions(topic.arn).map((s, i) => ({ s, i })),
      {
        scope: `ListSubscriptionsByTopic|${topic.arn}`,
        key: ({ i }) => [i],
        max: 100,
        token: params.get('NextToken') ?? undefined,
      },
    );
    const members = page.items.map(({ s }) =>
      raw(
        `<member>${
          xmlElements([
            ['SubscriptionArn', s.pendingConfirmation ? 'PendingConfirmation' : s.subscriptionArn],
            ['Owner', s.owner],
            ['Protocol', s.protocol],
            ['Endpoint', s.endpoint],
            ['TopicArn', s.topicArn],
          ]).xml
        }</member>`,
      ),
    );
    return queryResponse({
      action: 'ListSubscriptionsByTopic',
      xmlns: XMLNS,
      requestId: ctx.requestId,
      result: xmlElements([
        ['Subscriptions', members],
        ['NextToken', page.nextToken],
      ]),
    });
  }

  function getTopicAttributes(params: URLSearchParams, ctx: ServiceContext): EmulatorResponse {
    const topic = requireTopic(params, ctx, 'GetTopicAttributes');
    const subs = state.subscriptions(topic.arn);
    const policy = {
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:Subscribe', 'SNS:Publish'],
          Resource: topic.arn,
          Condition: { StringEquals: { 'AWS:SourceOwner': topic.accountId } },
        },
        ...(topic.allowedPublishers.length === 0
          ? []
          : [
              {
                Sid: 'AllowPublishers',
                Effect: 'Allow',
                Principal: { AWS: topic.allowedPublishers.map((a) => `arn:aws:iam::${a}:root`) },
                Action: 'SNS:Publish',
                Resource: topic.arn,
              },
            ]),
      ],
    };
    const attributes: Record<string, string> = {
      TopicArn: topic.arn,
      Owner: topic.accountId,
      Policy: JSON.stringify(policy),
      DisplayName: '',
      SubscriptionsConfirmed: String(subs.filter((s) => !s.pendingConfirmation).length),
      SubscriptionsPending: String(subs.filter((s) => s.pendingConfirmation).length),
      SubscriptionsDeleted: '0',
      EffectiveDeliveryPolicy: JSON.stringify({
        http: {
          defaultHealthyRetryPolicy: {
            minDelayTarget: 20,
            maxDelayTarget: 20,
            numRetries: 3,
            numMaxDelayRetries: 0,
            numNoDelayRetries: 0,
            numMinDelayRetries: 0,
            backoffFunction: 'linear',
          },
          disableSubscriptionOverrides: false,
          defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
        },
      }),
      ...topic.attributes,
    };
    const entries = Object.entries(attributes).map(([key, value]) =>
      raw(
        `<entry>${
          xmlElements([
            ['key', key],
            ['value', value],
          ]).xml
        }</entry>`,
      ),
    );
    return queryResponse({
      action: 'GetTopicAttributes',
      xmlns: XMLNS,
      requestId: ctx.requestId,
      result: xmlElements([['Attributes', entries]]),
    });
  }

  return {
    CreateTopic: { run: (req, ctx) => createTopic(parseQueryParams(req), req.region, ctx), iam: onTopic },
    Publish: { run: (req, ctx) => publish(parseQueryParams(req), ctx), iam: onTopic },
    Subscribe: { run: (req, ctx) => subscribe(parseQueryParams(req), ctx), iam: onTopic },
    ListSubscriptionsByTopic: {
      run: (req, ctx) => listSubscriptionsByTopic(parseQueryParams(req), ctx),
      iam: onTopic,
    },
    GetTopicAttributes: { run: (req, ctx) => getTopicAttributes(parseQueryParams(req), ctx), iam: onTopic },
  };
}
