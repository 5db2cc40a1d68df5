/**
 * The Compute Resource SKUs list for the fake ARM (`startFakeArm({ routes: [skus.route] })`), as
 * `@azure/arm-compute` 24 (`resourceSkus.list`) calls it:
 *
 * - `GET /subscriptions/{s}/providers/Microsoft.Compute/skus?api-version=…`: the SKUs, each with
 *   `resourceType`, `name`, `locations` and `restrictions`; `$filter=location eq '<location>'` keeps
 *   those offered in that location (matched case-insensitively, as ARM does; ARM supports no other
 *   filter, so any other is a 400); `pageSize` splits the answer into pages joined by `nextLink`.
 *
 * `virtualMachineSku` builds one entry as ARM describes a VM size, optionally restricted.
 */
import type { FakeArmRoute } from './fake-arm';

/** One SKU as ARM lists it (the fields the client machine reads). */
export interface FakeSku {
  resourceType: string;
  name: string;
  locations: string[];
  restrictions?: { type: 'Location' | 'Zone'; values: string[]; restrictionInfo?: { locations?: string[]; zones?: string[] }; reasonCode: string }[];
}

export interface FakeArmSkusOptions {
  /** What the subscription is offered. @default none */
  skus?: FakeSku[];
  /** SKUs per page. @default 1000 */
  pageSize?: number;
}

export interface FakeArmSkus {
  route: FakeArmRoute;
  options: FakeArmSkusOptions;
  /** The `$filter` of every list request, in order (`null` when absent). */
  filters: (string | null)[];
}

const SKUS = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/skus$/i;
const LOCATION_FILTER = /^location eq '([^']+)'$/;

/** A `virtualMachines` SKU offered in `location`, restricted there with `reasonCode` when given. */
export function virtualMachineSku(name: string, location: string, reasonCode?: 'NotAvailableForSubscription' | 'QuotaId'): FakeSku {
  return {
    resourceType: 'virtualMachines',
    name,
    locations: [location],
    ...(reasonCode ? { restrictions: [{ type: 'Location', values: [location], restrictionInfo: { locations: [location] }, reasonCode }] } : {}),
  };
}

export function createFakeArmSkus(options: FakeArmSkusOptions = {}): FakeArmSkus {
  const filters: (string | null)[] = [];
  const route: FakeArmRoute = ({ method, url, base, send, armError }) => {
    if (method !== 'GET' || !SKUS.test(url.pathname)) return false;
    if (!url.searchParams.get('api-version')) {
      armError(400, 'MissingApiVersionParameter', 'api-version is required');
      return true;
    }
    const filter = url.searchParams.get('$filter');
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    if (skip === 0) filters.push(filter);
    const location = filter === null ? undefined : LOCATION_FILTER.exec(filter)?.[1];
    if (filter !== null && location === undefined) {
      armError(400, 'InvalidFilter', `fake ARM: only a location filter is supported, got ${filter}`);
      return true;
    }
    const matching = (options.skus ?? []).filter((sku) => location === undefined || sku.locations.some((entry) => entry.toLowerCase() === location.toLowerCase()));
    const size = options.pageSize ?? 1000;
    const next = new URL(url);
    next.searchParams.set('$skiptoken', String(skip + size));
    send(200, { value: matching.slice(skip, skip + size), ...(skip + size < matching.length ? { nextLink: `${base}${next.pathname}${next.search}` } : {}) });
    return true;
  };
  return { route, options, filters };
}
