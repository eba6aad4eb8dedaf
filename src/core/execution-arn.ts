/**
 * Execution ARN shapes, pure: the report (bundled into the write-report Lambda) reads them
 * without loading the local runtime, whose interpreter would add some 230 KB to that bundle.
 */

/**
 * Whether an execution ARN is a Distributed Map's child (`execution:<machine>/<label>:<id>`), an
 * iteration of another execution rather than a run of its own.
 *
 * @example isMapRunChild('arn:aws:states:us-east-1:123456789012:execution:m/AccountExecutors:1') // true
 */
export function isMapRunChild(executionArn: string): boolean {
  return /:execution:[^:/]+\/[^:]+:[^:]+$/.test(executionArn);
}
