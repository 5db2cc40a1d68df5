import { z } from 'zod';
import { findExperiment } from '../experiment/registry';
import { resolveParams } from '../experiment/params';
import { CLIENT_SIZE_OPTIONS, clientSizeOptionsSchema } from '../platforms/client/machine-size';
import { isPlatformName, PLATFORMS } from '../platforms/names';

export class InvalidRunInputError extends Error {
  override name = 'InvalidRunInputError';
}

/** The RunExperiment execution's input (what `fb run`, the console or a schedule sends). */
export const runInputSchema = z
  .object({
    experiment: z.string().min(1),
    platforms: z.array(z.string().min(1)).min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    quick: z.boolean().default(false),
    /** Local-platform settings (`--platform-option`), applied over the quick profile's. */
    platformOptions: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type RunInput = z.input<typeof runInputSchema>;

export interface ValidatedRunInput {
  experiment: string;
  platforms: string[];
  /** Parameters after defaults, the quick profile and the caller's overrides. */
  params: Record<string, unknown>;
  quick: boolean;
  platformOptions: Record<string, unknown>;
}

/** ValidateInput: a named error for an unknown experiment, platform or parameter; never a crash. */
export async function validateRunInput(input: unknown): Promise<ValidatedRunInput> {
  const parsed = runInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRunInputError(`${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  const { experiment: name, platforms, params, quick, platformOptions } = parsed.data;
  const unknown = platforms.filter((platform) => !isPlatformName(platform));
  if (unknown.length) throw new InvalidRunInputError(`unknown platform ${unknown.join(', ')}; known: ${PLATFORMS.join(', ')}`);
  if (new Set(platforms).size !== platforms.length) throw new InvalidRunInputError('platforms must not repeat');
  checkClientSizeOptions(platforms, platformOptions);
  const experiment = findExperiment(name);
  return { experiment: name, platforms, params: resolveParams(experiment, { quick, overrides: params }), quick, platformOptions };
}

/**
 * The client-size options (`clientInstanceType`, `clientVmSize`) name sizes of the clouds' client
 * machines: refused when malformed, and on the local platform, whose client is this machine.
 */
function checkClientSizeOptions(platforms: readonly string[], platformOptions: Record<string, unknown>): void {
  const named = Object.values(CLIENT_SIZE_OPTIONS).filter((option) => platformOptions[option] !== undefined);
  if (!named.length) return;
  if (platforms.includes('local')) throw new InvalidRunInputError(`platformOptions.${named.join(', ')}: the local platform's client is this machine; client sizes apply to the cloud platforms`);
  const parsed = clientSizeOptionsSchema.safeParse(platformOptions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRunInputError(`platformOptions.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
}
