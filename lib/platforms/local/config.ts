/**
 * The `local` provider config: the embedded local platform (`fb platform start`, `local/`) speaks
 * the OpenFaaS gateway API, so the agent reaches it with the OpenFaaS provider
 * (openfaas/provider.ts) under the platform name `local`: `POST <gateway>/function/<deployed name>`
 * (the local gateway answers its errors as JSON `{error:{type,message}}`: 429
 * `TooManyRequestsError`, 404 `FunctionNotFoundError`, 502 `InstanceStartError`/`UpstreamError`,
 * 503 `FunctionUnavailableError`).
 */
import type * as z from 'zod';
import { gatewaySchema } from '../openfaas/config';

export const localConfigSchema = gatewaySchema('local');
export type LocalConfig = z.infer<typeof localConfigSchema>;
