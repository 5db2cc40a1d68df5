import { describe, expect, it } from 'vitest';
import { describeResultsLocation, InvalidResultsLocationError, parseResultsSetting, resolveResultsLocation } from './results-location';

const CLUSTER = 'arn:aws:rds:eu-central-1:111122223333:cluster:faas-benchmarker-prod-results';
const SECRET = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:rds!cluster-1a2b3c+x/y=z@w-AbCdEf';

describe('resolveResultsLocation: --stage > FB_RESULTS > FB_DATABASE_URL > embedded', () => {
  it('takes each source in turn as the ones above it are left out', () => {
    const all = { stage: 'prod', results: 'stage:dev', databaseUrl: 'postgres://u:p@127.0.0.1/db' };
    expect(resolveResultsLocation(all)).toEqual({ kind: 'stage', stage: 'prod', source: '--stage' });
    expect(resolveResultsLocation({ ...all, stage: undefined })).toEqual({ kind: 'stage', stage: 'dev', source: 'FB_RESULTS' });
    expect(resolveResultsLocation({ ...all, stage: '', results: '' })).toEqual({ kind: 'postgres', databaseUrl: 'postgres://u:p@127.0.0.1/db' });
    expect(resolveResultsLocation({ stage: ' ', results: '', databaseUrl: '' })).toEqual({ kind: 'embedded' });
    expect(resolveResultsLocation({})).toEqual({ kind: 'embedded' });
  });

  it('does not parse FB_RESULTS when --stage decides', () => {
    expect(resolveResultsLocation({ stage: 'prod', results: 'garbage' })).toMatchObject({ kind: 'stage', stage: 'prod' });
  });

  it('carries --region to a stage, from either source; a stage: value may name its own region', () => {
    expect(resolveResultsLocation({ stage: 'prod', region: 'us-east-2' })).toEqual({ kind: 'stage', stage: 'prod', region: 'us-east-2', source: '--stage' });
    expect(resolveResultsLocation({ results: 'stage:prod', region: 'us-east-2' })).toMatchObject({ region: 'us-east-2' });
    expect(resolveResultsLocation({ results: 'stage:prod?region=ap-southeast-2' })).toMatchObject({ region: 'ap-southeast-2' });
  });

  it('reads a Data API target given in full, with the region of its cluster, keeping + and / in the secret ARN', () => {
    const location = resolveResultsLocation({ results: `data-api:${CLUSTER}?secret=${SECRET}&database=results` });
    expect(location).toEqual({ kind: 'data-api', target: { clusterArn: CLUSTER, secretArn: SECRET, database: 'results' }, region: 'eu-central-1', source: 'FB_RESULTS' });
    // Percent-encoded is read the same.
    expect(resolveResultsLocation({ results: `data-api:${CLUSTER}?database=results&secret=${encodeURIComponent(SECRET)}` })).toEqual(location);
    expect(describeResultsLocation(location)).toBe(`${CLUSTER} database results`);
    expect(() => resolveResultsLocation({ results: `data-api:${CLUSTER}?secret=${SECRET}&database=results`, region: 'us-east-1' })).toThrow(/--region us-east-1 contradicts FB_RESULTS, whose cluster is in eu-central-1/);
  });

  it('refuses a malformed value in one line that names the value and both forms', () => {
    const cases: [string, RegExp][] = [
      ['prod', /no kind/],
      ['stage:', /stage must be lower-case/],
      ['stage:Prod_1', /stage must be lower-case/],
      ['stage:prod?region=mars', /region must be an AWS region/],
      ['stage:prod?color=blue', /unknown color/],
      ['postgres://127.0.0.1/x', /unknown kind "postgres"/],
      [`data-api:${CLUSTER}`, /secret missing/],
      [`data-api:${CLUSTER}?secret=${SECRET}`, /database missing/],
      [`data-api:arn:aws:rds:eu-central-1:111122223333:db:one?secret=${SECRET}&database=results`, /clusterArn must be an Aurora cluster ARN/],
      [`data-api:${CLUSTER}?secret=not-an-arn&database=results`, /secret must be a Secrets Manager secret ARN/],
      [`data-api:${CLUSTER}?secret=${SECRET}&database=results;drop`, /database must be a PostgreSQL database name/],
      [`data-api:${CLUSTER}?secret=${SECRET}&database=a&database=b`, /database given twice/],
      [`data-api:${CLUSTER}?secret=%E0%A4%A&database=a`, /bad percent-encoding in secret/],
    ];
    for (const [value, reason] of cases) {
      const error = (() => {
        try {
          parseResultsSetting(value);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error(`accepted ${value}`);
      })();
      expect(error).toBeInstanceOf(InvalidResultsLocationError);
      expect(error.name).toBe('InvalidResultsLocationError');
      expect(error.message, value).toMatch(reason);
      expect(error.message).toContain(`FB_RESULTS=${JSON.stringify(value)}`);
      expect(error.message).toContain('expected stage:<name>[?region=<region>] or data-api:<cluster ARN>?secret=<secret ARN>&database=<name>');
      expect(error.message).not.toContain('\n');
    }
  });

  it('refuses a bad --stage or --region by name', () => {
    expect(() => resolveResultsLocation({ stage: 'Prod' })).toThrow(/^--stage "Prod": must be lower-case/);
    expect(() => resolveResultsLocation({ stage: 'prod', region: 'Ireland' })).toThrow(InvalidResultsLocationError);
  });
});
