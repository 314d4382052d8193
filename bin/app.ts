/**
 * The CDK app: `npx cdk synth -c inputBuckets=my-videos` (no AWS account or Docker needed for synth),
 * `npx cdk deploy -c inputBuckets=my-videos`. Settings: lib/config.ts. cdk-nag's AwsSolutions checks run
 * on every synth; a finding without an acknowledgement (with its reason, in code) fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config.js';
import { PeoplePathingStack } from '../lib/people-pathing-stack.js';

const app = new App();
const config = configFromContext(app.node);
new PeoplePathingStack(app, app.node.tryGetContext('stackName') ?? 'PeoplePathing', {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Rekognition People Pathing compatible service (StartPersonTracking / GetPersonTracking)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
