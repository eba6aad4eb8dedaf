/** SNS port (notifications); `@aws-sdk/client-sns` is loaded on the first call. */
import type { SnsPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The SNS service module.
 *
 * @example
 * ```ts
 * await snsService.create(scope).publish({ topicArn, subject: 'DRS drill', message: '…' });
 * ```
 */
export const snsService: AwsService<SnsPort> = /* @__PURE__ */ sdkService(
  'sns',
  () => import('./sdk/sns.js'),
  (call) => ({
    async publish({ topicArn, subject, message }) {
      const out = await call('Publish', (sdk, client) =>
        client.send(new sdk.PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message })),
      );
      return out.MessageId ? { messageId: out.MessageId } : {};
    },
  }),
);
