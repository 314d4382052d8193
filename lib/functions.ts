/**
 * One way to build every Lambda of the app: Node.js, ESM bundle made by the local esbuild (no Docker),
 * X-Ray tracing, JSON logs with a retention, Powertools settings. Tests skip bundling with the context
 * `aws:cdk:bundling-stacks: []`; `npx cdk synth` bundles (esbuild is a dev dependency).
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface AppFunctionProps {
  /** Entry file relative to the repository root, e.g. lambdas/api/handler.ts. */
  readonly entry: string;
  readonly handler?: string;
  readonly description: string;
  readonly serviceName: string;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export class AppFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    // Its own role, no managed policy: writing to its own log group is all it gets before the caller adds
    // exactly what the function uses.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'PeoplePathing',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Never log events: requests carry bucket/key names and notification ARNs of callers.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // The ESM bundle still contains CommonJS dependencies that call require().
        banner: "import { createRequire as __ppCreateRequire } from 'module'; const require = __ppCreateRequire(import.meta.url);",
        // Bundle the SDK too, so the deployed code runs the versions the tests ran.
        externalModules: [],
      },
    });
  }
}
