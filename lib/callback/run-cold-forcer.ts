/**
 * The callback endpoint's `force-cold`: find the run's platform and hand the request to that
 * platform's cold forcer (lib/platforms/<platform>/cold-forcer.ts). Platforms without one here are
 * refused with 400: on OpenFaaS and the local platform the agent scales to zero through the
 * gateway itself and never asks.
 */
import { CallbackRequestInvalidError, CallbackRunUnknownError } from './errors';

/** What retires a run's function instances on one platform. */
export interface RunColdForcer {
  forceCold(runId: string, functionName: string): Promise<void>;
}

export interface ColdForcerByPlatformOptions {
  /** The run's platform (its `runs` row); undefined when there is no such run. */
  platformOf(runId: string): Promise<string | undefined>;
  /** The forcer of each platform this endpoint can force cold starts on. */
  forcers: Readonly<Record<string, RunColdForcer>>;
}

/** `HandleCallbackOptions.forceCold` for runs on several platforms. */
export function coldForcerByPlatform(options: ColdForcerByPlatformOptions): (runId: string, functionName: string) => Promise<void> {
  return async (runId, functionName) => {
    const platform = await options.platformOf(runId);
    if (platform === undefined) throw new CallbackRunUnknownError(runId);
    const forcer = Object.hasOwn(options.forcers, platform) ? options.forcers[platform] : undefined;
    if (!forcer) {
      const known = Object.keys(options.forcers);
      throw new CallbackRequestInvalidError(
        `this endpoint cannot force cold starts on ${platform} (only on ${known.length ? known.join(', ') : 'no platform'}); on OpenFaaS and the local platform the agent scales to zero itself`,
      );
    }
    await forcer.forceCold(runId, functionName);
  };
}
