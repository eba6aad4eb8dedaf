import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sdkOutputMismatches } from '../../_helpers/aws-model-shape.js';
import {
  roleArn,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

describe('Emulator: SNS', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('creates a topic idempotently and returns its ARN', async () => {
    const sns = new SNSClient(sdkConfig(h));

    const first = await sns.send(new CreateTopicCommand({ Name: 'drs-notifications' }));
    const again = await sns.send(new CreateTopicCommand({ Name: 'drs-notifications' }));

    expect(first.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:drs-notifications');
    expect(again.TopicArn).toBe(first.TopicArn);
    expect(h.sns.topics()).toHaveLength(1);
  });

  it('publishes a message and records it for inspection', async () => {
    const sns = new SNSClient(sdkConfig(h));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'n' }));

    const out = await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'DRS drill finished',
        Message: '{"status":"success"}',
        MessageAttributes: { action: { DataType: 'String', StringValue: 'drill' } },
      }),
    );

    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.sns.messages()).toEqual([
      {
        messageId: out.MessageId,
        topicArn: TopicArn,
        publisherAccountId: '123456789012',
        subject: 'DRS drill finished',
        message: '{"status":"success"}',
        messageAttributes: { action: { DataType: 'String', StringValue: 'drill' } },
        timestamp: '2025-01-06T09:00:00.000Z',
      },
    ]);
  });

  it('answers NotFound (404) for a topic that does not exist', async () => {
    const sns = new SNSClient(sdkConfig(h));

    const error = await sns
      .send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:missing', Message: 'm' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    expect((error as Error).message).toBe('Topic does not exist');
  });

  it('rejects an invalid topic name and an empty message with InvalidParameter', async () => {
    const sns = new SNSClient(sdkConfig(h));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ok' }));

    const badName = await sns.send(new CreateTopicCommand({ Name: 'bad name' })).catch((e: unknown) => e);
    const empty = await sns.send(new PublishCommand({ TopicArn, Message: '' })).catch((e: unknown) => e);

    expect(badName).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    expect(empty).toMatchObject({ name: 'InvalidParameterException' });
    expect(h.sns.messages()).toHaveLength(0);
  });

  it("refuses to publish to another account's topic with AuthorizationError (403)", async () => {
    h.sns.createTopic('111111111111', 'us-east-1', 'theirs');
    const sns = new SNSClient(sdkConfig(h));

    const error = await sns
      .send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111111111111:theirs', Message: 'm' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } });
  });

  it('lets a listed account publish to the topic', async () => {
    h.sns.createTopic('111111111111', 'us-east-1', 'shared', { allowedPublishers: ['123456789012'] });
    const sns = new SNSClient(sdkConfig(h));

    const out = await sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111111111111:shared', Message: 'm' }),
    );

    expect(out.MessageId).toBeDefined();
    expect(h.sns.messages('arn:aws:sns:us-east-1:111111111111:shared')).toHaveLength(1);
  });

  it('requires MessageGroupId on FIFO topics and returns a sequence number', async () => {
    const sns = new SNSClient(sdkConfig(h));
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'events.fifo', Attributes: { FifoTopic: 'true' } }),
    );

    const missing = await sns.send(new PublishCommand({ TopicArn, Message: 'm' })).catch((e: unknown) => e);
    const ok = await sns.send(
      new PublishCommand({ TopicArn, Message: 'm', MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
    );

    expect(missing).toMatchObject({ name: 'InvalidParameterException' });
    expect(ok.SequenceNumber).toMatch(/^\d{20}$/);
  });

  it('denies sns:Publish to a role whose policy denies it explicitly', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: 'sns:*', Resource: '*' },
            { Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:aws:sns:*:*:locked' },
          ],
        },
      ],
    });
    const sns = new SNSClient(sdkConfig(h, sessionKeys(h, '111111111111')));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'locked' }));

    const error = await sns.send(new PublishCommand({ TopicArn, Message: 'm' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toContain('with an explicit deny');
  });

  it('subscribes endpoints, email ones pending confirmation, and lists them by topic in pages of 100', async () => {
    const sns = new SNSClient(sdkConfig(h));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'drs-alerts' }));

    const email = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'dr@example.com' }),
    );
    const again = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'dr@example.com' }),
    );
    const queue = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:123456789012:dr-queue',
      }),
    );
    for (let i = 0; i < 100; i++)
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'lambda',
          Endpoint: `arn:aws:lambda:us-east-1:123456789012:function:f${i}`,
        }),
      );
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn, NextToken: first.NextToken }),
    );
    const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    const bad = await sns
      .send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'not-an-address' }))
      .catch((e: unknown) => e);
    const missing = await sns
      .send(new GetTopicAttributesCommand({ TopicArn: `${TopicArn}-gone` }))
      .catch((e: unknown) => e);

    expect(email.SubscriptionArn).toBe('pending confirmation');
    expect(again.SubscriptionArn).toBe('pending confirmation');
    expect(queue.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    expect(first.Subscriptions).toHaveLength(100);
    expect(second.Subscriptions).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    expect(first.Subscriptions?.slice(0, 2)).toEqual([
      {
        SubscriptionArn: 'PendingConfirmation',
        Owner: '123456789012',
        Protocol: 'email',
        Endpoint: 'dr@example.com',
        TopicArn,
      },
      {
        SubscriptionArn: queue.SubscriptionArn,
        Owner: '123456789012',
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:123456789012:dr-queue',
        TopicArn,
      },
    ]);
    expect(attributes.Attributes).toMatchObject({
      TopicArn,
      Owner: '123456789012',
      SubscriptionsConfirmed: '101',
      SubscriptionsPending: '1',
    });
    expect(JSON.parse(attributes.Attributes?.Policy ?? '{}')).toMatchObject({ Version: '2008-10-17' });
    expect(bad).toMatchObject({ name: 'InvalidParameterException' });
    expect(missing).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    for (const [op, out] of [
      ['Subscribe', email],
      ['ListSubscriptionsByTopic', first],
      ['GetTopicAttributes', attributes],
    ] as const)
      expect(sdkOutputMismatches('sns', op, out)).toEqual([]);
  });

  it('denies sns:Subscribe on a topic the role may not subscribe to', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: 'sns:*', Resource: '*' },
            {
              Effect: 'Deny',
              Action: ['sns:Subscribe', 'sns:GetTopicAttributes'],
              Resource: 'arn:aws:sns:*:*:locked',
            },
          ],
        },
      ],
    });
    const sns = new SNSClient(sdkConfig(h, sessionKeys(h, '111111111111')));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'locked' }));

    const errors = await Promise.all([
      sns
        .send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'a@b.c' }))
        .catch((e: unknown) => e),
      sns.send(new GetTopicAttributesCommand({ TopicArn })).catch((e: unknown) => e),
    ]);

    for (const error of errors) expect(error).toMatchObject({ name: 'AuthorizationErrorException' });
  });
});
