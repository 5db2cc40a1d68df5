/**
 * The sweeper's Azure source: resource groups carrying the run tag (ARM's list with
 * `$filter=tagName eq '…'`, every page), judged by their expiry tag; groups already being deleted
 * are skipped. Removal starts the group's deletion (`beginDelete`, not waited for), which takes
 * everything in it: function apps, storage, VMs.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { EXPIRES_TAG_KEY, RUN_TAG_KEY } from '../platforms/run-resources';
import { judgeExpiry } from './expiry';
import type { SweepItem, SweepSource } from './sweep';

/** The source over one subscription's resource groups. */
export function resourceGroups(resources: Pick<ResourceManagementClient, 'resourceGroups'>): SweepSource {
  return {
    kind: 'resource-group',
    async list(nowMs) {
      const items: SweepItem[] = [];
      for await (const group of resources.resourceGroups.list({ filter: `tagName eq '${RUN_TAG_KEY}'` })) {
        if (!group.name || group.properties?.provisioningState === 'Deleting') continue;
        items.push(judgeExpiry({ kind: 'resource-group', id: group.name, runTag: group.tags?.[RUN_TAG_KEY], expiresTag: group.tags?.[EXPIRES_TAG_KEY] }, 'iso', nowMs));
      }
      return items;
    },
    async remove(item) {
      await resources.resourceGroups.beginDelete(item.id);
    },
  };
}
