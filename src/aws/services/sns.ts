/** SNS port (notifications); `@aws-sdk/client-sns` is loaded on the first call. */
import type { SnsPort } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The SNS service module.
 *
 * @example
 * ```ts
 * await snsService.create(scope).publish({ topicArn, subject: 'DRS drill', message: '…' });
 * ```
 */
export const snsService: AwsService<SnsPort> = {
  service: 'sns',
  create({ settings, send }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/sns.js'),
      (sdk) => new sdk.SNSClient(settings),
    );
    return {
      async publish({ topicArn, subject, message }) {
        const out = await call('Publish', (sdk, client) =>
          client.send(new sdk.PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message })),
        );
        return out.MessageId ? { messageId: out.MessageId } : {};
      },
    };
  },
};
