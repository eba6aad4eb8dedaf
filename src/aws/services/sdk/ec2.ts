/**
 * The part of `@aws-sdk/client-ec2` we use, as named imports: `ec2.ts` loads this module with
 * `import()`, and esbuild keeps every export of a dynamically imported module, so naming them
 * here lets it drop the commands we never send.
 */
export {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  EC2Client as Client,
} from '@aws-sdk/client-ec2';
