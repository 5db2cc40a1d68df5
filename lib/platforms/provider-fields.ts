/**
 * What the provider configs and providers of every platform share (the agent side): the URL rules
 * (https, or http on loopback only), the config error that names a field without echoing its
 * value, and logical → deployed function names.
 *
 * Why shared: four providers validate the same kinds of fields, and every one of them must keep
 * its secrets (API keys, function keys, basic-auth passwords) out of errors the same way
 * (redaction itself: lib/errors/redact.ts).
 */
import * as z from 'zod';
import { deployedFunctionName } from '../../lab-functions/adapters/shared/function-names';

/** Hosts on which `http://` is accepted (Core Tools, the local platform, port-forwards, tests). */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** A provider configuration that does not validate. The message names fields, never values. */
export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

/** A function name the provider has no target for (Azure: not in `functions`), or an empty one. */
export class UnknownFunctionError extends Error {
  override name = 'UnknownFunctionError';
}

export interface UrlRules {
  /** Whether the URL may carry a path (a stage, `/api/<fn>`); a gateway URL must not. */
  path: boolean;
}

/**
 * Whether `text` is an absolute `https://` URL, or `http://` on a loopback host, without
 * credentials, query or fragment (a key must never travel in a URL: `?code=`, `user:pass@`).
 */
export function isAllowedUrl(text: string, rules: UrlRules): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password || url.search || url.hash) return false;
  if (!rules.path && url.pathname !== '/' && url.pathname !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
}

/** A zod string that must be an allowed URL; the message describes the rule, not the input. */
export function urlField(rules: UrlRules) {
  const what = rules.path ? 'an' : 'an origin-only';
  return z
    .string()
    .refine((text) => isAllowedUrl(text, rules), `must be ${what} https:// URL (http:// only for 127.0.0.1, localhost or [::1]) without credentials, query or fragment`);
}

/** A non-empty secret string: zod's messages for it never carry the value. */
export const secretField = z.string().min(1, 'must be a non-empty string');

export const functionNamesField = z.record(z.string().min(1), z.string().min(1)).optional();
export const functionPrefixField = z.string().optional();

/** `https://host:port` and the path prefix (no trailing slash) of an allowed URL. */
export function splitUrl(text: string): { origin: string; basePath: string } {
  const url = new URL(text);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/**
 * Parse `input` with `schema`, or throw a {@link ProviderConfigError} listing each offending
 * field's path and zod's message. zod's messages describe the expectation ("expected string",
 * "Too small") and never the received value, so no secret can end up in the error.
 */
export function parseConfig<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
  throw new ProviderConfigError(`invalid ${what}: ${problems.join('; ')}`);
}

/** The deployed name of a logical function name (map first, then prefix), checked non-empty. */
export function deployedName(functionName: string, names: Record<string, string> | undefined, prefix: string | undefined): string {
  if (!functionName) throw new UnknownFunctionError('function name must be a non-empty string');
  return deployedFunctionName({ names: names ?? {}, prefix: prefix ?? '' }, functionName);
}
