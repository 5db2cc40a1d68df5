/**
 * The one way a policy of this project acknowledges cdk-nag's AwsSolutions-IAM5 finding (a wildcard
 * resource): one resource at a time, each with its own reason, checked against the policy it is
 * made on, so an acknowledgement cannot outlive its statement and a new wildcard stays a finding
 * (and fails synth) until someone names it here.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';

/** An acknowledged wildcard that is not one: no `*`, or not a resource of the policy it is acknowledged on. */
export class WildcardAcknowledgementError extends Error {
  override name = 'WildcardAcknowledgementError';
}

/**
 * Acknowledge cdk-nag's IAM5 finding for each named wildcard resource of `policy`, each with its own
 * reason. Every named resource must hold a `*` and appear in the policy; a wildcard the list does
 * not name stays a finding and fails synth.
 *
 * @param crossStackNames `<logicalId>.<attribute>` of another stack's resource → the export cdk-nag
 *   names it by (a cross-stack reference reaches the policy as that export's import).
 */
export function acknowledgeWildcards(
  policy: iam.Policy,
  wildcards: readonly (readonly [resource: string, reason: string])[],
  crossStackNames: ReadonlyMap<string, string> = new Map(),
): void {
  const stack = Stack.of(policy);
  const rendered = (resource: unknown) => nagRendering(stack.resolve(resource), crossStackNames);
  const document = stack.resolve((policy.node.defaultChild as iam.CfnPolicy).policyDocument) as { Statement: { Resource: unknown }[] };
  const inPolicy = new Set(document.Statement.flatMap((statement) => [statement.Resource].flat().map(rendered)));
  for (const [resource, reason] of wildcards) {
    const name = rendered(resource);
    if (!name.includes('*')) throw new WildcardAcknowledgementError(`${policy.node.path}: ${name} has no wildcard to acknowledge`);
    if (!inPolicy.has(name)) throw new WildcardAcknowledgementError(`${policy.node.path}: ${name} is acknowledged but not in the policy`);
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${name}]`, reason });
  }
}

/**
 * How cdk-nag writes a resource in a finding id: `Ref`s as `<Name>`, `Fn::GetAtt`s as `<Id.Attr>`
 * (or, for an attribute of another stack, the name of its export), joins flattened.
 */
function nagRendering(value: unknown, crossStack: ReadonlyMap<string, string>): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if ('Ref' in node) return `<${String(node.Ref)}>`;
    if ('Fn::GetAtt' in node) {
      const attribute = (node['Fn::GetAtt'] as string[]).join('.');
      return crossStack.get(attribute) ?? `<${attribute}>`;
    }
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => nagRendering(part, crossStack)).join(separator);
    }
    if ('Fn::ImportValue' in node) return String(node['Fn::ImportValue']);
  }
  return JSON.stringify(value);
}
