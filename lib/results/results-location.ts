/**
 * Which results store a CLI command reads, decided in one place from the values the edge hands
 * in (`--stage`, `--region`, `FB_RESULTS`, `FB_DATABASE_URL`); this module reads no environment.
 *
 * Precedence: `--stage` > `FB_RESULTS` > `FB_DATABASE_URL` > embedded PGlite under `.fb/`.
 *
 * `FB_RESULTS` names a deployed results database, in one of two forms:
 * - `stage:<name>` (optionally `stage:<name>?region=<region>`): the Aurora cluster of that stage,
 *   found through the outputs of its CloudFormation stack `FaasBenchmarker-<name>-Results`;
 * - `data-api:<cluster ARN>?secret=<secret ARN>&database=<name>`: the Data API target itself, for
 *   a caller allowed to use the Data API but not to describe stacks. The region is the cluster's.
 *
 * Every value is validated with zod here; a malformed one is refused with a one-line
 * {@link InvalidResultsLocationError} that shows both forms.
 */
import { z } from 'zod';
import { stageNameSchema } from '../config/stage';

/** What the Data API needs to reach a database: the cluster, its credentials' secret, the database. */
export interface DataApiTarget {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export type ResultsLocation =
  /** A deployed stage, resolved through its results stack's outputs. `region` absent: the AWS SDK's default. */
  | { readonly kind: 'stage'; readonly stage: string; readonly region?: string; readonly source: '--stage' | 'FB_RESULTS' }
  /** A Data API target given in full (FB_RESULTS=data-api:…); `region` is the cluster's. */
  | { readonly kind: 'data-api'; readonly target: DataApiTarget; readonly region: string; readonly source: 'FB_RESULTS' }
  | { readonly kind: 'postgres'; readonly databaseUrl: string }
  | { readonly kind: 'embedded' };

/** The raw values, as the edge read them. Empty strings count as not given. */
export interface ResultsLocationInput {
  /** `--stage <name>`. */
  readonly stage?: string | undefined;
  /** `--region <region>`: where the stage's stacks are. */
  readonly region?: string | undefined;
  /** `FB_RESULTS`. */
  readonly results?: string | undefined;
  /** `FB_DATABASE_URL`. */
  readonly databaseUrl?: string | undefined;
}

/** `--stage`, `--region` or `FB_RESULTS` has a value that names no results store. */
export class InvalidResultsLocationError extends Error {
  override name = 'InvalidResultsLocationError';
}

export const FB_RESULTS_FORMS = 'stage:<name>[?region=<region>] or data-api:<cluster ARN>?secret=<secret ARN>&database=<name>';

const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as eu-west-1');
const clusterArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:rds:[a-z]{2}(-[a-z]+)+-\d:\d{12}:cluster:[a-z][a-z0-9-]{0,62}$/, 'must be an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>)');
const secretArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/, 'must be a Secrets Manager secret ARN');
const databaseSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a PostgreSQL database name');

const stageSettingSchema = z.object({ stage: stageNameSchema, region: regionSchema.optional() }).strict();
const dataApiSettingSchema = z.object({ clusterArn: clusterArnSchema, secret: secretArnSchema, database: databaseSchema }).strict();

/** Decide where the results are; throws InvalidResultsLocationError for a malformed value. */
export function resolveResultsLocation(input: ResultsLocationInput): ResultsLocation {
  const stage = nonEmpty(input.stage);
  const region = nonEmpty(input.region);
  if (region !== undefined) checked(regionSchema, region, '--region');
  if (stage !== undefined) return { kind: 'stage', stage: checked(stageNameSchema, stage, '--stage'), ...(region ? { region } : {}), source: '--stage' };
  const results = nonEmpty(input.results);
  if (results !== undefined) {
    const location = parseResultsSetting(results);
    if (location.kind === 'stage') return region && !location.region ? { ...location, region } : location;
    if (region && region !== location.region) {
      throw new InvalidResultsLocationError(`--region ${region} contradicts FB_RESULTS, whose cluster is in ${location.region}`);
    }
    return location;
  }
  const databaseUrl = nonEmpty(input.databaseUrl);
  if (databaseUrl !== undefined) return { kind: 'postgres', databaseUrl };
  return { kind: 'embedded' };
}

/** Parse an `FB_RESULTS` value (see the module comment for its forms). */
export function parseResultsSetting(value: string): Extract<ResultsLocation, { kind: 'stage' | 'data-api' }> {
  const refuse = (why: string): never => {
    throw new InvalidResultsLocationError(`FB_RESULTS=${JSON.stringify(value)} names no results database (${why}); expected ${FB_RESULTS_FORMS}`);
  };
  const colon = value.indexOf(':');
  const scheme = colon < 0 ? '' : value.slice(0, colon);
  const rest = value.slice(colon + 1);
  const question = rest.indexOf('?');
  const head = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? {} : parseQuery(rest.slice(question + 1), refuse);
  if (scheme === 'stage') {
    const parsed = stageSettingSchema.safeParse({ stage: head, ...query });
    if (!parsed.success) return refuse(firstIssue(parsed.error));
    const { stage, region } = parsed.data;
    return { kind: 'stage', stage, ...(region ? { region } : {}), source: 'FB_RESULTS' };
  }
  if (scheme === 'data-api') {
    const parsed = dataApiSettingSchema.safeParse({ clusterArn: head, ...query });
    if (!parsed.success) return refuse(firstIssue(parsed.error));
    const { clusterArn, secret, database } = parsed.data;
    const region = clusterArn.split(':')[3] as string;
    return { kind: 'data-api', target: { clusterArn, secretArn: secret, database }, region, source: 'FB_RESULTS' };
  }
  return refuse(scheme ? `unknown kind ${JSON.stringify(scheme)}` : 'no kind');
}

/** One line naming the store, for messages (ARNs are not secret; a database URL's password is not shown). */
export function describeResultsLocation(location: ResultsLocation): string {
  switch (location.kind) {
    case 'stage':
      return `stage ${location.stage}${location.region ? ` in ${location.region}` : ''}`;
    case 'data-api':
      return `${location.target.clusterArn} database ${location.target.database}`;
    case 'postgres':
      return 'the PostgreSQL server of FB_DATABASE_URL';
    case 'embedded':
      return 'the embedded store under .fb/';
  }
}

/** `key=value&…`, percent-decoded (a `+` stays a plus: secret ARNs may hold one); a repeated key is refused. */
function parseQuery(query: string, refuse: (why: string) => never): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of query.split('&')) {
    if (!part) continue;
    const equals = part.indexOf('=');
    if (equals <= 0) refuse(`${JSON.stringify(part)} is not key=value`);
    const key = part.slice(0, equals);
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.slice(equals + 1));
    } catch {
      return refuse(`bad percent-encoding in ${key}`);
    }
    if (key in pairs) refuse(`${key} given twice`);
    pairs[key] = decoded;
  }
  return pairs;
}

function checked(schema: z.ZodType<string>, value: string, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidResultsLocationError(`${what} ${JSON.stringify(value)}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  if (issue.code === 'unrecognized_keys') return `unknown ${issue.keys.join(', ')}`;
  const path = issue.path.join('.');
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `${path || 'value'} missing`;
  return path ? `${path} ${issue.message}` : issue.message;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
