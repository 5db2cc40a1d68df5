import { describe, expect, it } from 'vitest';
import { loadStageConfig, PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION, STAGE_DEFAULTS, StageConfigError } from './stage';

describe('Function: loadStageConfig', () => {
  it('returns the defaults, placeholders included, when nothing is set', () => {
    expect(loadStageConfig()).toEqual({ ...STAGE_DEFAULTS, account: PLACEHOLDER_ACCOUNT, region: PLACEHOLDER_REGION });
  });

  it('treats undefined and empty values as unset and coerces CLI context strings', () => {
    const config = loadStageConfig({
      account: undefined,
      region: '',
      stageName: 'prod',
      auroraMinAcu: '0.5',
      auroraMaxAcu: '16',
      logRetentionDays: '365',
      agentLogRetentionDays: '400',
      availabilityZones: 'eu-west-1b, eu-west-1c',
    });
    expect(config).toMatchObject({
      account: PLACEHOLDER_ACCOUNT,
      region: PLACEHOLDER_REGION,
      stageName: 'prod',
      auroraMinAcu: 0.5,
      auroraMaxAcu: 16,
      logRetentionDays: 365,
      agentLogRetentionDays: 400,
      availabilityZones: ['eu-west-1b', 'eu-west-1c'],
    });
  });

  it.each([
    [{ account: '12345' }, 'account: must be a 12-digit AWS account id'],
    [{ region: 'Europe' }, 'region: must be an AWS region name'],
    [{ stageName: 'Prod_1' }, 'stageName: must be lower-case'],
    [{ stageName: 'dev-' }, 'stageName: must be lower-case'],
    [{ auroraMinAcu: 0.3 }, 'auroraMinAcu: must be a multiple of 0.5'],
    [{ auroraMinAcu: 4, auroraMaxAcu: 4 }, 'auroraMaxAcu: must be greater than auroraMinAcu'],
    [{ auroraAutoPauseMinutes: 2 }, 'auroraAutoPauseMinutes:'],
    [{ backupRetentionDays: 36 }, 'backupRetentionDays:'],
    [{ logRetentionDays: 10 }, 'logRetentionDays: must be one of 365, 400, 545'],
    [{ logRetentionDays: 90 }, 'logRetentionDays: must be one of 365, 400, 545'],
    [{ agentLogRetentionDays: 10 }, 'agentLogRetentionDays: must be one of 365, 400, 545'],
    [{ rawResultsInfrequentAccessAfterDays: 10 }, 'rawResultsInfrequentAccessAfterDays:'],
    [{ rawResultsExpireAfterDays: 30 }, 'rawResultsExpireAfterDays:'],
    [{ availabilityZones: 'us-east-1a,us-east-1b' }, 'availabilityZones: every zone must be in the stage region'],
    [{ availabilityZones: 'eu-west-1a' }, 'availabilityZones: Aurora needs subnets in at least two zones'],
    [{ apiGatewayCloudWatchRole: 'none' }, "apiGatewayCloudWatchRole: must be 'create'"],
    [{ apiGatewayCloudWatchRole: 'Existing' }, "apiGatewayCloudWatchRole: must be 'create'"],
  ])('rejects %j naming the setting', (input, message) => {
    expect(() => loadStageConfig(input)).toThrow(StageConfigError);
    expect(() => loadStageConfig(input)).toThrow(message);
  });

  it("creates API Gateway's CloudWatch Logs role unless the stage says the account has one", () => {
    expect(loadStageConfig().apiGatewayCloudWatchRole).toBe('create');
    expect(loadStageConfig({ apiGatewayCloudWatchRole: 'existing' }).apiGatewayCloudWatchRole).toBe('existing');
  });

  it('rejects an unknown setting rather than ignoring a typo', () => {
    expect(() => loadStageConfig({ auroraMaxAcus: 8 } as never)).toThrow('unknown stage setting(s): auroraMaxAcus');
  });
});
