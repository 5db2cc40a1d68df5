/**
 * The shape of a cost estimate: what a run used (or is expected to use), line by line, each
 * with its quantity, unit and price. Stored on the run: the total in `runs.cost_estimate`, the
 * whole estimate in the run's manifest under `cost` (lib/results/store.ts `setRunCost`), and
 * printed by `fb run` before a cloud run starts.
 */
import type { PriceKey } from './prices';

/** Names this structure's shape; bumped when a field changes meaning. */
export const COST_SCHEMA = 'fb.cost/1';

/** How a line is priced. */
export type PriceRef =
  | { key: PriceKey }
  | { ec2InstanceType: string }
  | { azureVmSize: string }
  /** Not billed by anyone this estimate covers, and why (e.g. "runs on this machine"). */
  | { free: string };

/** One line of usage before pricing. */
export interface UsageLine {
  /** What is counted, e.g. "AWS Lambda compute". */
  what: string;
  quantity: number;
  /** The unit of `quantity`, e.g. "GB-second". */
  unit: string;
  price: PriceRef;
  /** The assumption or source of the quantity, when it is not a plain count. */
  note?: string;
}

/** One priced line. */
export interface CostItem {
  what: string;
  quantity: number;
  unit: string;
  /** USD per unit: 0 when not billed (see `note`), null when the table has no price for it. */
  unitPriceUsd: number | null;
  /** quantity × unitPriceUsd; null when unpriced. */
  usd: number | null;
  /** The price as the source lists it, and the source. */
  price?: { listed: string; source: string };
  note?: string;
}

export interface CostEstimate {
  schema: typeof COST_SCHEMA;
  /** `actual`: from what the run did (stored at FinishRun); `prior`: from a dry run before it started. */
  kind: 'actual' | 'prior';
  /** The sum of the priced items, USD. */
  usd: number;
  /** False when some item had no price: `usd` is then a lower bound. */
  complete: boolean;
  items: CostItem[];
  /** The date of the price table (lib/cost/prices.ts). */
  priceTable: string;
  regions: { aws: string; azure: string };
  /** What the reader should know, e.g. "embedded default: nothing here is billed". */
  notes: string[];
  /** What is deliberately not counted. */
  excluded: string[];
  /**
   * What the quantities were worked out from: the run's facts (client and agent time, readiness
   * polls, result rows, the client machine), and for a prior estimate the dry run and the model
   * platform it assumed.
   */
  inputs: Record<string, unknown>;
}
