/**
 * The part of `@aws-sdk/client-sfn` we use, as named imports (see sdk/sns.ts for why).
 */
export {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient as Client,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
