/**
 * The sweeper's EC2 source: instances carrying the run tag that are not (being) terminated
 * (DescribeInstances with a `tag-key` filter, every page), judged by their expiry tag. Removal is
 * TerminateInstances, which starts the termination (the volumes go with the instance).
 */
import { DescribeInstancesCommand, type EC2Client, type Instance, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { EXPIRES_TAG_KEY, RUN_TAG_KEY } from '../platforms/run-resources';
import { judgeExpiry } from './expiry';
import type { SweepItem, SweepSource } from './sweep';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** The source over one region's instances. */
export function ec2Instances(client: EC2Client): SweepSource {
  return {
    kind: 'ec2-instance',
    async list(nowMs) {
      const items: SweepItem[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: 'tag-key', Values: [RUN_TAG_KEY] },
              { Name: 'instance-state-name', Values: LIVE_STATES },
            ],
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const instance of (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])) {
          // EC2 filtered by the tag's key; one with an empty value is no run's either.
          if (!instance.InstanceId || !tagOf(instance, RUN_TAG_KEY)) continue;
          items.push(judgeExpiry({ kind: 'ec2-instance', id: instance.InstanceId, runTag: tagOf(instance, RUN_TAG_KEY), expiresTag: tagOf(instance, EXPIRES_TAG_KEY) }, 'iso', nowMs));
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return items;
    },
    async remove(item) {
      await client.send(new TerminateInstancesCommand({ InstanceIds: [item.id] }));
    },
  };
}

function tagOf(instance: Instance, key: string): string | undefined {
  return instance.Tags?.find((tag) => tag.Key === key)?.Value;
}
