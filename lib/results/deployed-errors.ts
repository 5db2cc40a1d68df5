/**
 * Named errors for reading a deployed stage's results from this machine, and the one mapping
 * from the AWS SDK's set-up failures (no region, no or rejected credentials) to them, so
 * `fb runs --stage x` says what to fix in one line instead of printing an SDK stack trace.
 */

/** The stage's results stack is not in the region asked. */
export class ResultsStackNotFoundError extends Error {
  override name = 'ResultsStackNotFoundError';
  constructor(
    readonly stackName: string,
    readonly region: string,
  ) {
    super(`no stack ${stackName} in ${region}: is the stage deployed there (npx cdk deploy -c stageName=…), or in another region (--region)?`);
  }
}

/** The results stack exists but lacks outputs the CLI needs (still being created, or an older template). */
export class ResultsStackOutputsMissingError extends Error {
  override name = 'ResultsStackOutputsMissingError';
  constructor(
    readonly stackName: string,
    readonly missing: readonly string[],
    readonly stackStatus: string,
  ) {
    super(`stack ${stackName} (${stackStatus}) has no output ${missing.join(', ')}: wait for its deployment to finish, or deploy it again with this version`);
  }
}

/** No AWS credentials were found, or AWS refused the ones found. */
export class AwsCredentialsError extends Error {
  override name = 'AwsCredentialsError';
}

/** No AWS region was given or configured (or the one configured is not a region name). */
export class AwsRegionMissingError extends Error {
  override name = 'AwsRegionMissingError';
}

/** Error names AWS answers when credentials are refused or expired. */
const REJECTED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
]);

/**
 * An AWS SDK set-up failure as a named error; anything else is returned unchanged. `doing` says
 * what was being attempted, e.g. `reading the outputs of stack FaasBenchmarker-dev-Results`.
 */
export function mapAwsSetupError(error: unknown, doing: string): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'CredentialsProviderError') {
    return new AwsCredentialsError(
      `no AWS credentials for ${doing}: set AWS_PROFILE (after aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${error.message})`,
      { cause: error },
    );
  }
  if (REJECTED_CREDENTIALS.has(error.name)) {
    return new AwsCredentialsError(`AWS refused the credentials for ${doing} (${error.name}: ${error.message}): renew them (aws sso login) or choose another profile`, {
      cause: error,
    });
  }
  if (/^Region is missing/.test(error.message)) {
    return new AwsRegionMissingError(`no AWS region for ${doing}: pass --region, set AWS_REGION, or give your AWS profile a region`, { cause: error });
  }
  if (/^Region not accepted/.test(error.message)) {
    return new AwsRegionMissingError(`no usable AWS region for ${doing} (${error.message}): pass --region or set AWS_REGION to a region name`, { cause: error });
  }
  return error;
}
