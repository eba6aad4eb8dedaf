/**
 * A state machine deployed from one of the `statemachines/*.asl.json` files (the single source of
 * truth, docs/architecture.md §2.1): `DefinitionBody.fromFile` + `definitionSubstitutions`, logging of
 * every event to a KMS-encrypted log group, X-Ray tracing, execution history under the same key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BundlingError } from '../bundle.js';
import { retainedName } from './retained-name.js';

/** Properties of {@link AslStateMachine}. */
export interface AslStateMachineProps {
  /** Path of the `.asl.json` file. */
  readonly definitionFile: string;
  /** Values of the `${Placeholder}`s (tokens allowed); every placeholder of the file needs one. */
  readonly substitutions: Readonly<Record<string, string>>;
  readonly stateMachineName: string;
  readonly role: iam.IRole;
  readonly key: kms.IKey;
  readonly retention: logs.RetentionDays;
  /**
   * Put the definition into the template (`DefinitionString`) instead of an S3 asset, for
   * templates that must not need a CDK bootstrap bucket (StackSets). Same file, same text.
   * @default false
   */
  readonly inlineDefinition?: boolean;
}

/**
 * The `${Name}` placeholders a definition uses, sorted.
 *
 * @example placeholdersOf('{"Resource":"${ValidateFunctionArn}"}') // ['ValidateFunctionArn']
 */
export function placeholdersOf(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))].sort();
}

/** A state machine whose definition is an ASL file of this repository. */
export class AslStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The substitutions passed to CloudFormation: exactly the placeholders the file uses. */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AslStateMachineProps) {
    super(scope, id);
    if (!existsSync(props.definitionFile)) {
      throw new BundlingError(
        `cannot deploy state machine ${props.stateMachineName}: definition file ${props.definitionFile} does not exist`,
      );
    }
    const used = placeholdersOf(readFileSync(props.definitionFile, 'utf8'));
    const unknown = used.filter((name) => !(name in props.substitutions));
    if (unknown.length > 0) {
      // CloudFormation rejects a definition with an unsubstituted ${Name} (anywhere, comments included).
      throw new BundlingError(
        `state machine ${basename(props.definitionFile)} uses placeholders the stack does not provide: ` +
          `${unknown.map((name) => `\${${name}}`).join(', ')}; provided: ${Object.keys(props.substitutions).join(', ')}`,
      );
    }
    // Only the values the file uses are passed, so the template shows exactly what is substituted.
    this.substitutions = Object.fromEntries(used.map((name) => [name, props.substitutions[name] as string]));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: retainedName(`/aws/vendedlogs/states/${props.stateMachineName}`),
      encryptionKey: props.key,
      retention: props.retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: props.stateMachineName,
      definitionBody: props.inlineDefinition
        ? sfn.DefinitionBody.fromString(readFileSync(props.definitionFile, 'utf8'))
        : sfn.DefinitionBody.fromFile(props.definitionFile),
      definitionSubstitutions: this.substitutions,
      role: props.role,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
    });
  }
}
