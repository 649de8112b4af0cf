import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Template metadata key naming a function's handler file; the local runner binds Task states with it. */
export const HANDLER_METADATA = 'remediation:handler';
// The Powertools layer of exactly the logger version we build and test against (AWS publishes its ARN in SSM).
const POWERTOOLS_VERSION: string = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'node_modules', '@aws-lambda-powertools', 'logger', 'package.json'), 'utf8'),
).version;
export const POWERTOOLS_LAYER_PARAMETER = `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`;

export interface TaskFunctionProps {
  /** Handler file relative to the project root, e.g. `tasks/ebs/create-snapshot.ts`. */
  entry: string;
  /** Exactly the IAM statements the handler's calls need. */
  statements: iam.PolicyStatement[];
  timeout?: Duration;
  memorySize?: number;
  logRetention?: logs.RetentionDays;
  /** Read once by the handler at load. */
  environment?: Record<string, string>;
}

/**
 * Our defaults for a task Lambda: Node 22 on arm64, a minified esbuild bundle
 * with source maps and the SDK and Powertools (layer) left external, its own log group with retention,
 * X-Ray tracing, and a role holding only `statements` plus writing its own logs.
 */
export class TaskFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
    }));
    for (const statement of props.statements) this.role.addToPolicy(statement);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(50),
      role: this.role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      layers: [lambda.LayerVersion.fromLayerVersionArn(this, 'Powertools', ssm.StringParameter.valueForStringParameter(this, POWERTOOLS_LAYER_PARAMETER))],
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'ec2-remediation',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: OutputFormat.CJS,
        // The SDK comes with the runtime, Powertools with its layer: the bundle is our code only.
        externalModules: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'],
        forceDockerBundling: false,
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    });
    (this.fn.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA, props.entry);
  }
}
