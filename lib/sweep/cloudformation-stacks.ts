/**
 * The sweeper's CloudFormation source: every stack carrying the run tag (DescribeStacks, every
 * page; CloudFormation has no tag filter, so tags are read from each stack), judged by its expiry
 * tag; stacks already deleted or being deleted are skipped. Removal is DeleteStack by the stack's
 * id (never a newer stack of the same name), which starts the deletion.
 */
import { type CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { EXPIRES_TAG_KEY, RUN_TAG_KEY } from '../platforms/run-resources';
import { judgeExpiry } from './expiry';
import type { SweepItem, SweepSource } from './sweep';

const GONE = new Set(['DELETE_COMPLETE', 'DELETE_IN_PROGRESS']);

/** The source over one region's stacks. */
export function cloudFormationStacks(client: CloudFormationClient): SweepSource {
  return {
    kind: 'cloudformation-stack',
    async list(nowMs) {
      const items: SweepItem[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new DescribeStacksCommand(nextToken ? { NextToken: nextToken } : {}));
        for (const stack of page.Stacks ?? []) {
          if (GONE.has(stack.StackStatus ?? '') || tagOf(stack, RUN_TAG_KEY) === undefined) continue;
          items.push(judgeExpiry({ kind: 'cloudformation-stack', id: stack.StackId ?? stack.StackName ?? '?', runTag: tagOf(stack, RUN_TAG_KEY), expiresTag: tagOf(stack, EXPIRES_TAG_KEY) }, 'iso', nowMs));
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return items;
    },
    async remove(item) {
      await client.send(new DeleteStackCommand({ StackName: item.id }));
    },
  };
}

function tagOf(stack: Stack, key: string): string | undefined {
  return stack.Tags?.find((tag) => tag.Key === key)?.Value;
}
