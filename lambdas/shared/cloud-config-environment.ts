/**
 * `FB_CLOUD_CONFIG` (lib/config/cloud-config.ts, written by the CDK stack into the step Lambdas and
 * the callback Lambda), read and validated once at module load. Its own file so the callback
 * Lambda's bundle takes the config without the step Lambdas' SDK clients.
 */
import { type CloudPlatformsConfig, cloudPlatformsConfigSchema } from '../../lib/config/cloud-config';

/** `FB_CLOUD_CONFIG` is set but not valid JSON for the schema; the message names the fields. */
export class InvalidCloudConfigError extends Error {
  override name = 'InvalidCloudConfigError';
}

/** `FB_CLOUD_CONFIG`, validated; undefined when not set (no cloud platform). */
export function cloudConfigFromEnvironment(env: NodeJS.ProcessEnv): CloudPlatformsConfig | undefined {
  const text = env.FB_CLOUD_CONFIG;
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidCloudConfigError('FB_CLOUD_CONFIG is not JSON');
  }
  const result = cloudPlatformsConfigSchema.safeParse(parsed);
  if (!result.success) {
    throw new InvalidCloudConfigError(`FB_CLOUD_CONFIG: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}
