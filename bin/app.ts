/**
 * The CDK app. The control-plane and results stacks arrive with the Step Functions issue; until
 * then the app synthesizes an empty cloud assembly, so `npx cdk synth` already works offline.
 */
import { App } from 'aws-cdk-lib';

const app = new App();
app.synth();
