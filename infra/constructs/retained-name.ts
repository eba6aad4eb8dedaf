/**
 * Physical names for resources that outlive their stack (retained log groups): a readable base
 * plus the first block of the stack's id, which is new on every stack creation. A `cdk destroy`
 * leaves the old log groups behind (the evidence), and the next deploy creates new ones beside
 * them instead of failing with "already exists".
 */
import { Aws, Fn } from 'aws-cdk-lib';

/**
 * `<base>-<8 hex digits of this stack's id>`, as a CloudFormation expression.
 *
 * @example retainedName('/aws/lambda/drs-discover') // '/aws/lambda/drs-discover-51af3dc0' once deployed
 */
export function retainedName(base: string): string {
  // AWS::StackId is arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>.
  const uuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', [base, Fn.select(0, Fn.split('-', uuid))]);
}
