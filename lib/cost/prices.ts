/**
 * The one price table of the cost estimates: public on-demand list prices in USD, for one AWS
 * region and one Azure region, as of the date below. Prices change (and differ by region, by
 * volume tier and with free tiers and discounts, none of which are applied here): before relying
 * on an estimate, re-read each source, update the figure and the date, and say in `checkedAgainst`
 * what you compared it with.
 *
 * Every price is per one unit (per request, per GB-second, per hour), with the form the source
 * lists it in beside it. `checkedAgainst` names a stored copy of the source (or a page quoting
 * it) the figure was compared with when this table was dated; a price without it is the published
 * list price as known to the author on that date and should be checked first.
 */

export interface Price {
  /** USD per one `unit`. */
  usd: number;
  /** The unit of the quantity it multiplies: 'request', 'GB-second', 'hour', 'GB', 'state transition'. */
  unit: string;
  /** As the source lists it, e.g. '$0.20 per 1M requests'. */
  listed: string;
  /** The public pricing page. */
  source: string;
  /** What the figure was compared with when the table was dated, if anything. */
  checkedAgainst?: string;
}

/** The date the prices were read (ISO). */
export const PRICE_TABLE_DATE = '2026-12-05';

/** Where the prices apply: the stage's default AWS region and Azure location (lib/config/stage.ts). */
export const PRICE_REGIONS = { aws: 'eu-west-1', azure: 'westeurope' } as const;

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const AZURE_FUNCTIONS = 'https://azure.microsoft.com/en-us/pricing/details/functions/';
const EC2 = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const AZURE_VM = 'https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/';

/** Service prices, by what they price. */
export const PRICES = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request',
    listed: '$0.20 per 1M requests',
    source: LAMBDA,
    checkedAgainst: 'https://cloudchipr.com/blog/aws-lambda-pricing (the same list price in every region but a few)',
  },
  lambdaGbSecondX86: {
    usd: 0.0000166667,
    unit: 'GB-second',
    listed: '$0.0000166667 per GB-second (x86, first 6 billion GB-seconds a month)',
    source: LAMBDA,
    checkedAgainst: 'https://cloudchipr.com/blog/aws-lambda-pricing',
  },
  apiGatewayRestRequest: {
    usd: 3.5 / 1e6,
    unit: 'request',
    listed: '$3.50 per 1M REST API calls (first 333M a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    checkedAgainst: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
  },
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition',
    listed: '$0.025 per 1,000 state transitions (Standard workflows, Europe (Ireland))',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    checkedAgainst: 'https://aws.amazon.com/step-functions/pricing/ (stored copy, regional table)',
  },
  dataApiRequest: {
    usd: 0.35 / 1e6,
    unit: 'request',
    listed: '$0.35 per 1M Data API requests (first 1 billion a month; metered in 32 KB payload increments)',
    source: 'https://aws.amazon.com/rds/aurora/pricing/',
  },
  s3PutRequest: {
    usd: 0.005 / 1000,
    unit: 'request',
    listed: '$0.005 per 1,000 PUT, COPY, POST, LIST requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3GetRequest: {
    usd: 0.0004 / 1000,
    unit: 'request',
    listed: '$0.0004 per 1,000 GET, SELECT and other requests (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  awsEgressGb: {
    usd: 0.09,
    unit: 'GB',
    listed: '$0.09 per GB out to the internet (first 10 TB a month, after the first 100 GB a month)',
    source: EC2,
  },
  awsPublicIpv4Hour: {
    usd: 0.005,
    unit: 'hour',
    listed: '$0.005 per public IPv4 address per hour',
    source: 'https://aws.amazon.com/vpc/pricing/',
    checkedAgainst: 'https://github.com/cmbuckley/cmbuckley.github.io/blob/main/_posts/2024-01-28-removing-aws-ec2-ipv4-addresses.md (the charge AWS announced from 1 February 2024)',
  },
  azureFunctionsExecution: {
    usd: 0.2 / 1e6,
    unit: 'execution',
    listed: '$0.20 per 1M executions (Consumption plan)',
    source: AZURE_FUNCTIONS,
    checkedAgainst: 'https://modal.com/blog/azure-function-pricing-guide (East US; the same list price in West Europe)',
  },
  azureFunctionsGbSecond: {
    usd: 0.000016,
    unit: 'GB-second',
    listed: '$0.000016 per GB-s (Consumption plan; at least 100 ms and 128 MB per execution)',
    source: AZURE_FUNCTIONS,
    checkedAgainst: 'https://modal.com/blog/azure-function-pricing-guide',
  },
  // Flex Consumption, on demand (the lab's apps configure no always-ready instances). The pricing
  // page's stored copy shows its Flex figures only as placeholders (filled in by script), so these two
  // are the on-demand rates Microsoft's own Flex cost example uses, read 2026-12-06; the example
  // names no region, so the West Europe figure is unconfirmed. Not priced because unused: always
  // ready (a baseline GB-s charge for idle always-ready instances, their own execution-time and
  // execution charges, no free grant); its figures were not found. The monthly free grant of on-demand
  // GB-s and executions (subscription-wide) was not found either; free grants are left out anyway.
  azureFlexExecution: {
    usd: 0.4 / 1e6,
    unit: 'execution',
    listed: '$0.40 per 1M executions (Flex Consumption, on demand)',
    source: AZURE_FUNCTIONS,
    checkedAgainst:
      'https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs (read 2026-12-06: the Flex Consumption example assumes an on-demand rate of $0.40 per million executions)',
  },
  azureFlexGbSecond: {
    usd: 0.000026,
    unit: 'GB-second',
    listed: '$0.000026 per GB-s (Flex Consumption, on demand: the instance memory while the instance executes; each activity period at least 1 s, then in 100 ms steps)',
    source: AZURE_FUNCTIONS,
    checkedAgainst:
      'https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs (read 2026-12-06: the Flex Consumption example assumes an on-demand rate of $0.000026 per GB-s); https://modal.com/blog/azure-function-pricing-guide (22 May 2025: Flex Consumption execution time $0.000026 per GB-second)',
  },
  azureEgressGb: {
    usd: 0.087,
    unit: 'GB',
    listed: '$0.087 per GB out to the internet from Europe (first 10 TB a month, after the first 100 GB a month)',
    source: 'https://azure.microsoft.com/en-us/pricing/details/bandwidth/',
  },
  azurePublicIpHour: {
    usd: 0.005,
    unit: 'hour',
    listed: '$0.005 per hour for a Standard static public IPv4 address',
    source: 'https://azure.microsoft.com/en-us/pricing/details/ip-addresses/',
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

/** EC2 client machines (Linux, on demand), by instance type. A type not here is reported unpriced. */
export const EC2_HOURLY: Readonly<Record<string, Price>> = {
  'c5.large': { usd: 0.096, unit: 'hour', listed: '$0.096 per hour (c5.large, Linux, on demand, Europe (Ireland))', source: EC2 },
  // scenario-pyramid's four-core client, as the original's .tfvars declared it.
  'm5.xlarge': { usd: 0.214, unit: 'hour', listed: '$0.214 per hour (m5.xlarge, Linux, on demand, Europe (Ireland))', source: EC2 },
};

/** Azure client VMs (Linux, pay as you go), by size. A size not here is reported unpriced. */
export const AZURE_VM_HOURLY: Readonly<Record<string, Price>> = {
  Standard_D2s_v5: { usd: 0.115, unit: 'hour', listed: '$0.115 per hour (D2s v5, Linux, pay as you go, West Europe)', source: AZURE_VM },
  // scenario-pyramid's four-core client, as the original's .tfvars declared it.
  Standard_D4_v3: { usd: 0.232, unit: 'hour', listed: '$0.232 per hour (D4 v3, Linux, pay as you go, West Europe)', source: AZURE_VM },
};
