/**
 * Cost estimates as the CLI prints them: a total in one phrase, or a breakdown of one line per
 * item. Pure.
 */
import type { RunRow } from '../results/types';
import { readStoredCost } from './stored-cost';
import type { CostEstimate, CostItem } from './types';

/** USD for people: cents for a dollar or more, four decimals below, "< $0.0001" for crumbs. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd < 0.0001) return '< $0.0001';
  return `$${usd.toFixed(4)}`;
}

/** "$0.0123 (estimate, prices of 2026-12-05)", with "at least" when incomplete and the first note. */
export function formatTotal(estimate: Pick<CostEstimate, 'usd' | 'complete' | 'priceTable' | 'notes'>): string {
  const total = `${estimate.complete ? '' : 'at least '}${formatUsd(estimate.usd)}`;
  const note = estimate.notes[0] ? `; ${estimate.notes[0]}` : '';
  return `${total} (estimate, list prices of ${estimate.priceTable}${note})`;
}

/** The stored estimate of a run in one phrase; undefined when the run has none (yet). */
export function formatStoredCost(run: Pick<RunRow, 'cost_estimate' | 'manifest'>): string | undefined {
  const stored = readStoredCost(run);
  if (stored && 'error' in stored) return `not estimated (${stored.error})`;
  if (!stored) return undefined;
  return formatTotal(stored.estimate);
}

function formatQuantity(quantity: number): string {
  if (Number.isInteger(quantity)) return String(quantity);
  return quantity >= 100 ? quantity.toFixed(0) : quantity.toPrecision(3);
}

function formatItem(item: CostItem): string {
  const amount = item.usd === null ? 'no price' : formatUsd(item.usd);
  return `  ${item.what}: ${formatQuantity(item.quantity)} ${item.quantity === 1 || item.unit === 'GB' ? item.unit : `${item.unit}s`} → ${amount}${item.usd === null && item.note ? ` (${item.note})` : ''}`;
}

/** The total, then each item that costs something or has no price. */
export function formatBreakdown(title: string, estimate: CostEstimate): string[] {
  const shown = estimate.items.filter((item) => item.usd === null || item.usd > 0);
  return [`${title}: ${formatTotal(estimate)}`, ...shown.map(formatItem)];
}
