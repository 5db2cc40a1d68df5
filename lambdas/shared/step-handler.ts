import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { z } from 'zod';

/** The state's input did not match its schema: a bug in the state machine, not a transient error. */
export class InvalidStepInputError extends Error {
  override name = 'InvalidStepInputError';
}

export interface StepHandlerOptions<Schema extends z.ZodType> {
  /** The state this handler serves (its name in the ASL). */
  stateName: string;
  schema: Schema;
  run: (input: z.output<Schema>) => Promise<unknown>;
  logger?: Logger;
  /** CloudWatch metrics (EMF); `false` where there is no CloudWatch (the local control plane). */
  metrics?: Metrics | false;
}

/**
 * The one middleware stack of every step Lambda: Powertools logger (with the Lambda context) and
 * metrics, the state's input parsed once with zod, one log line and one metric per invocation.
 * Errors are rethrown as they are: a Node Lambda reports `error.name` as the error type, which is
 * what the state machine's Retry and Catch match, so names must not be wrapped away.
 */
export function createStepHandler<Schema extends z.ZodType>(options: StepHandlerOptions<Schema>) {
  const logger = options.logger ?? new Logger({ serviceName: 'faas-benchmarker-control-plane' });
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new Metrics({ namespace: 'FaasBenchmarker', serviceName: 'control-plane' }));
  const handler = async (event: unknown): Promise<unknown> => {
    const parsed = options.schema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidStepInputError(`${options.stateName}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
    }
    const started = performance.now();
    try {
      const result = await options.run(parsed.data);
      logger.info('step done', { state: options.stateName, durationMs: Math.round(performance.now() - started) });
      metrics?.addMetric(`${options.stateName}Succeeded`, MetricUnit.Count, 1);
      return result ?? null;
    } catch (error) {
      logger.warn('step failed', { state: options.stateName, errorType: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
      metrics?.addMetric(`${options.stateName}Failed`, MetricUnit.Count, 1);
      throw error;
    }
  };
  const wrapped = middy(handler).use(injectLambdaContext(logger));
  return metrics ? wrapped.use(logMetrics(metrics)) : wrapped;
}
