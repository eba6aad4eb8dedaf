import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
