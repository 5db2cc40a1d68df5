/**
 * Usage lines → a priced estimate, with the prices of ./prices.ts. Pure; no I/O.
 */
import { PriceUnitMismatchError } from './errors';
import { AZURE_VM_HOURLY, EC2_HOURLY, type Price, PRICE_REGIONS, PRICE_TABLE_DATE, PRICES } from './prices';
import { COST_SCHEMA, type CostEstimate, type CostItem, type PriceRef, type UsageLine } from './types';

/** What the estimates never count (the same for every run). */
export const ALWAYS_EXCLUDED = [
  'free tiers, volume tiers, savings plans and taxes (list prices only)',
  "the deployment's standing costs: Aurora Serverless capacity and storage, the results bucket's storage, KMS keys, CloudWatch logs and metrics",
  "the control plane's own Lambda invocations and the callback endpoint's HTTP API calls (a few hundred requests per run)",
  "client machines' disks and the per-run Azure storage account of azure-functions (cents per month, prorated)",
];

function lookup(ref: PriceRef): { price: Price | null; free?: string } {
  if ('free' in ref) return { price: null, free: ref.free };
  if ('key' in ref) return { price: PRICES[ref.key] };
  if ('ec2InstanceType' in ref) return { price: EC2_HOURLY[ref.ec2InstanceType] ?? null };
  return { price: AZURE_VM_HOURLY[ref.azureVmSize] ?? null };
}

function priceLine(line: UsageLine): CostItem {
  const { price, free } = lookup(line.price);
  const base = { what: line.what, quantity: line.quantity, unit: line.unit };
  if (free !== undefined) return { ...base, unitPriceUsd: 0, usd: 0, note: line.note ? `${free}; ${line.note}` : free };
  if (!price) {
    const missing = 'ec2InstanceType' in line.price ? `EC2 ${line.price.ec2InstanceType}` : 'azureVmSize' in line.price ? `Azure VM ${line.price.azureVmSize}` : 'this';
    return { ...base, unitPriceUsd: null, usd: null, note: `no price for ${missing} in the price table (lib/cost/prices.ts)${line.note ? `; ${line.note}` : ''}` };
  }
  if (price.unit !== line.unit) throw new PriceUnitMismatchError(`price unit ${price.unit} does not match the line's unit ${line.unit} (${line.what})`);
  return { ...base, unitPriceUsd: price.usd, usd: line.quantity * price.usd, price: { listed: price.listed, source: price.source }, ...(line.note ? { note: line.note } : {}) };
}

/** Price every line; the total is the sum of the priced ones. */
export function priceUsage(
  kind: CostEstimate['kind'],
  lines: readonly UsageLine[],
  context: { notes?: string[]; excluded?: string[]; inputs?: Record<string, unknown>; lowerBound?: string } = {},
): CostEstimate {
  const items = lines.map(priceLine);
  const usd = items.reduce((total, item) => total + (item.usd ?? 0), 0);
  const priced = items.every((item) => item.usd !== null);
  const complete = priced && context.lowerBound === undefined;
  const notes = [...(context.notes ?? [])];
  if (context.lowerBound !== undefined) notes.push(`incomplete: ${context.lowerBound}, so the total is a lower bound`);
  if (!priced) notes.push(`incomplete: ${items.filter((item) => item.usd === null).map((item) => item.what).join(', ')} not priced, so the total is a lower bound`);
  return {
    schema: COST_SCHEMA,
    kind,
    usd,
    complete,
    items,
    priceTable: PRICE_TABLE_DATE,
    regions: { ...PRICE_REGIONS },
    notes,
    excluded: [...ALWAYS_EXCLUDED, ...(context.excluded ?? [])],
    inputs: context.inputs ?? {},
  };
}
