/**
 * The sweeper: finds what runs left behind and removes it, reporting each thing it removed, kept
 * (and why) or failed to remove. A cloud resource is removed only when it carries both the run tag
 * and an expiry tag (lib/platforms/run-resources.ts) whose time has passed, whatever its run's
 * state: the expiry lies past the longest a run can live, so an expired resource's run is over.
 * A resource with no expiry tag, an unexpired one or a malformed one is kept, with why.
 *
 * Each place resources live is a {@link SweepSource} (CloudFormation stacks, EC2 instances, Azure
 * resource groups, OpenFaaS functions, this machine's leftovers); {@link sweep} lists them all,
 * then removes what they judged removable (nothing, with `dryRun`). Removal only starts a
 * deletion where the provider deletes asynchronously (a stack, a resource group, an instance).
 */
import { messageOf } from '../errors/describe';

/** What kind of thing was swept. */
export type SweptKind = 'cloudformation-stack' | 'ec2-instance' | 'resource-group' | 'openfaas-function' | 'local-run' | 'plan-file';

/** One thing a source found, with its verdict. */
export interface SweepItem {
  kind: SweptKind;
  /** The provider's id: stack id, instance id, group name, function name, run id, file path. */
  id: string;
  /** The run it belongs to, when known. */
  runId?: string;
  /** Whether it is removed (or would be, in a dry run). */
  remove: boolean;
  /** Why it is removed or kept. */
  why: string;
  /** When it expired (ISO 8601), for a removed resource that carried an expiry. */
  expiredAt?: string;
}

/** A place the sweeper looks. */
export interface SweepSource {
  /** What the source holds, for the report of a list that failed. */
  readonly kind: SweptKind;
  /** Everything the source found that belongs to runs, each judged at `nowMs`. */
  list(nowMs: number): Promise<SweepItem[]>;
  /** Remove (or start removing) one item {@link list} judged removable. */
  remove(item: SweepItem): Promise<void>;
}

/** One line of the report. */
export interface SweptResource {
  kind: SweptKind;
  id: string;
  runId?: string;
  why: string;
  expiredAt?: string;
}

/** What a sweep did: with `dryRun`, `removed` lists what would have been removed and nothing was. */
export interface SweepReport {
  dryRun: boolean;
  /** When the sweep judged expiry (ISO 8601). */
  sweptAt: string;
  removed: SweptResource[];
  kept: SweptResource[];
  /** Items whose removal failed, and sources whose listing failed (id `*`), with the error. */
  failed: (SweptResource & { error: string })[];
}

/** Options of {@link sweep}. */
export interface SweepOptions {
  /** Report what would be removed, remove nothing. @default false */
  dryRun?: boolean;
  /** @default Date.now() */
  nowMs?: number;
}

/** List every source, then remove what they judged removable, one item at a time, never stopping at a failure. */
export async function sweep(sources: readonly SweepSource[], options: SweepOptions = {}): Promise<SweepReport> {
  const nowMs = options.nowMs ?? Date.now();
  const dryRun = options.dryRun ?? false;
  const report: SweepReport = { dryRun, sweptAt: new Date(nowMs).toISOString(), removed: [], kept: [], failed: [] };
  for (const source of sources) {
    let items: SweepItem[];
    try {
      items = await source.list(nowMs);
    } catch (error) {
      report.failed.push({ kind: source.kind, id: '*', why: 'could not list', error: messageOf(error) });
      continue;
    }
    for (const item of items) {
      const line = lineOf(item);
      if (!item.remove) {
        report.kept.push(line);
        continue;
      }
      try {
        if (!dryRun) await source.remove(item);
        report.removed.push(line);
      } catch (error) {
        report.failed.push({ ...line, error: messageOf(error) });
      }
    }
  }
  return report;
}

function lineOf(item: SweepItem): SweptResource {
  return { kind: item.kind, id: item.id, ...(item.runId ? { runId: item.runId } : {}), why: item.why, ...(item.expiredAt ? { expiredAt: item.expiredAt } : {}) };
}
