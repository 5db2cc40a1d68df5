/**
 * Resource groups and template deployments for the fake ARM (`startFakeArm({ routes: [fake.route] })`),
 * as `@azure/arm-resources` 7 (`ResourceManagementClient`) calls them:
 *
 * - `PUT/GET/HEAD/DELETE /subscriptions/{s}/resourcegroups/{rg}`: PUT answers 201 (new) or 200 with
 *   the group; DELETE answers 202 with a `Location` operation that completes after one poll and
 *   removes the group and its deployments; a missing group is 404 `ResourceGroupNotFound`.
 * - `GET /subscriptions/{s}/resourcegroups`: the groups, filtered by `$filter=tagName eq '<key>'`
 *   (optionally `and tagValue eq '<value>'`), `listPageSize` to a page with a `nextLink`.
 * - `PUT /subscriptions/{s}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}`:
 *   answers 201 with `provisioningState: Accepted` and an `Azure-AsyncOperation` header; the
 *   deployment then reports `Running` for `runningPolls` GETs, then `Succeeded` with the outputs
 *   `outputsFor` gives (or `Failed` with an error, when `failDeployment` says so).
 * - `GET …/deployments/{name}` answers the deployment's current state;
 *   `GET …/deployments/{name}/operations` its failed operations (for error reasons).
 *
 * Group names are matched case-insensitively, as Azure does.
 */
import type { FakeArmRoute, FakeArmRouteContext } from './fake-arm';

export interface FakeDeployment {
  resourceGroup: string;
  name: string;
  /** The PUT body's `properties` (template, parameters, mode). */
  properties: { template?: unknown; parameters?: Record<string, { value?: unknown }>; mode?: string } & Record<string, unknown>;
  /** GETs answered so far. */
  polls: number;
}

export interface FakeArmResourcesOptions {
  /** GETs of a deployment that answer `Running` before it ends. @default 1 */
  runningPolls?: number;
  /** Outputs of a succeeded deployment, in ARM's `{ name: { type, value } }` form. */
  outputsFor?: (deployment: FakeDeployment) => Record<string, { type: string; value: unknown }>;
  /** A reason makes the deployment end `Failed` with it. */
  failDeployment?: (deployment: FakeDeployment) => string | undefined;
  /**
   * GETs of a group after its DELETE that answer `provisioningState: Deleting` before it is gone
   * (404). @default 0: gone at once
   */
  deletingPolls?: number;
  /** Groups whose deletion stops with resources left: after the Deleting polls the group is back, `Succeeded`. */
  failGroupDeletion?: (name: string) => boolean;
  /** Groups per page of the group list. @default 1000 */
  listPageSize?: number;
}

export interface FakeArmResources {
  route: FakeArmRoute;
  /** Live groups: lowercased name → `{ location, tags }`. */
  groups: Map<string, { name: string; location: string; tags: Record<string, string> }>;
  /** Every deployment PUT, in order (also those of deleted groups). */
  deployments: FakeDeployment[];
  /** Group names whose DELETE was accepted, in order. */
  deletedGroups: string[];
  options: FakeArmResourcesOptions;
}

const GROUP_LIST = /^\/subscriptions\/([^/]+)\/resourcegroups$/i;
const TAG_FILTER = /^tagName eq '([^']*)'(?: and tagValue eq '([^']*)')?$/;
const GROUP = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i;
const DEPLOYMENT = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/Microsoft\.Resources\/deployments\/([^/]+)(\/operations)?$/i;
const GROUP_OPERATION = /^\/fake-group-deletions\/([^/]+)$/;
const DEPLOYMENT_OPERATION = /^\/fake-deployment-operations\/([^/]+)\/([^/]+)$/;

export function createFakeArmResources(options: FakeArmResourcesOptions = {}): FakeArmResources {
  const groups: FakeArmResources['groups'] = new Map();
  const deployments: FakeDeployment[] = [];
  const deletedGroups: string[] = [];
  /** Groups being deleted (see `deletingPolls`): lowercased name → GETs still answered Deleting, and whether it ends failed. */
  const deletions = new Map<string, { pollsLeft: number; fails: boolean }>();
  const live = new Map<string, FakeDeployment>();
  const key = (group: string, name: string) => `${group.toLowerCase()}/${name}`;

  const stateOf = (deployment: FakeDeployment): { provisioningState: string; error?: unknown; outputs?: unknown } => {
    if (deployment.polls <= (options.runningPolls ?? 1)) return { provisioningState: 'Running' };
    const failure = options.failDeployment?.(deployment);
    if (failure) return { provisioningState: 'Failed', error: { code: 'DeploymentFailed', message: failure, details: [{ code: 'Conflict', message: failure }] } };
    return { provisioningState: 'Succeeded', outputs: options.outputsFor?.(deployment) ?? {} };
  };
  const describe = (subscription: string, deployment: FakeDeployment) => ({
    id: `/subscriptions/${subscription}/resourceGroups/${deployment.resourceGroup}/providers/Microsoft.Resources/deployments/${deployment.name}`,
    name: deployment.name,
    type: 'Microsoft.Resources/deployments',
    properties: { ...stateOf(deployment), mode: deployment.properties.mode ?? 'Incremental', timestamp: new Date().toISOString() },
  });

  const route: FakeArmRoute = (context: FakeArmRouteContext) => {
    const { method, url, body, base, send, armError } = context;
    const deletion = GROUP_OPERATION.exec(url.pathname);
    if (deletion && method === 'GET') {
      send(200, {});
      return true;
    }
    const operation = DEPLOYMENT_OPERATION.exec(url.pathname);
    if (operation && method === 'GET') {
      const deployment = live.get(key(decodeURIComponent(operation[1] ?? ''), decodeURIComponent(operation[2] ?? '')));
      if (!deployment) armError(404, 'DeploymentNotFound', 'no such deployment');
      else {
        deployment.polls += 1;
        const state = stateOf(deployment);
        send(200, { status: state.provisioningState, ...(state.error ? { error: state.error } : {}) });
      }
      return true;
    }

    const deploymentMatch = DEPLOYMENT.exec(url.pathname);
    if (deploymentMatch) {
      const [, subscription = '', group = '', name = '', operations] = deploymentMatch;
      if (!url.searchParams.get('api-version')) {
        armError(400, 'MissingApiVersionParameter', 'api-version is required');
        return true;
      }
      if (!groups.has(group.toLowerCase())) {
        armError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
        return true;
      }
      const existing = live.get(key(group, name));
      if (operations && method === 'GET') {
        if (!existing) {
        armError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
        return true;
      }
        const state = stateOf(existing);
        const failed = state.provisioningState === 'Failed' ? [{ id: `${name}/op1`, operationId: 'op1', properties: { provisioningState: 'Failed', statusMessage: { status: 'Failed', error: state.error } } }] : [];
        send(200, { value: failed });
        return true;
      }
      if (method === 'PUT') {
        const deployment: FakeDeployment = { resourceGroup: group, name, properties: ((body as { properties?: FakeDeployment['properties'] })?.properties ?? {}) as FakeDeployment['properties'], polls: 0 };
        deployments.push(deployment);
        live.set(key(group, name), deployment);
        send(201, { ...describe(subscription, deployment), properties: { provisioningState: 'Accepted', mode: deployment.properties.mode ?? 'Incremental' } }, {
          'azure-asyncoperation': `${base}/fake-deployment-operations/${encodeURIComponent(group)}/${encodeURIComponent(name)}?api-version=2025-04-01`,
          'retry-after': '0',
        });
        return true;
      }
      if (method === 'GET') {
        if (!existing) {
        armError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
        return true;
      }
        existing.polls += 1;
        send(200, describe(subscription, existing));
        return true;
      }
      armError(405, 'MethodNotAllowed', `fake ARM: ${method} on a deployment is not faked`);
      return true;
    }

    const listMatch = GROUP_LIST.exec(url.pathname);
    if (listMatch && method === 'GET') {
      const filter = url.searchParams.get('$filter');
      const tag = filter ? TAG_FILTER.exec(filter) : null;
      if (filter && !tag) {
        armError(400, 'InvalidFilter', `fake ARM: filter ${filter} is not faked`);
        return true;
      }
      const matching = [...groups.values()].filter((g) => !tag || (tag[1] !== undefined && tag[1] in g.tags && (tag[2] === undefined || g.tags[tag[1]] === tag[2])));
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
      const size = options.listPageSize ?? 1000;
      const next = new URL(url);
      next.searchParams.set('$skiptoken', String(skip + size));
      const page = matching.slice(skip, skip + size).map((g) => ({
        id: `/subscriptions/${listMatch[1]}/resourceGroups/${g.name}`,
        name: g.name,
        type: 'Microsoft.Resources/resourceGroups',
        location: g.location,
        tags: g.tags,
        properties: { provisioningState: deletions.has(g.name.toLowerCase()) ? 'Deleting' : 'Succeeded' },
      }));
      send(200, { value: page, ...(skip + size < matching.length ? { nextLink: `${base}${next.pathname}${next.search}` } : {}) });
      return true;
    }

    const groupMatch = GROUP.exec(url.pathname);
    if (!groupMatch) return false;
    const [, subscription = '', name = ''] = groupMatch;
    if (!url.searchParams.get('api-version')) {
        armError(400, 'MissingApiVersionParameter', 'api-version is required');
        return true;
      }
    let group = groups.get(name.toLowerCase());
    const deleting = deletions.get(name.toLowerCase());
    if (deleting && method === 'GET') {
      if (deleting.pollsLeft > 0) deleting.pollsLeft -= 1;
      else {
        deletions.delete(name.toLowerCase());
        if (!deleting.fails) {
          groups.delete(name.toLowerCase());
          group = undefined;
        }
      }
    }
    const describeGroup = (g: { name: string; location: string; tags: Record<string, string> }) => ({
      id: `/subscriptions/${subscription}/resourceGroups/${g.name}`,
      name: g.name,
      type: 'Microsoft.Resources/resourceGroups',
      location: g.location,
      tags: g.tags,
      properties: { provisioningState: deletions.has(g.name.toLowerCase()) ? 'Deleting' : 'Succeeded' },
    });
    const notFound = () => armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
    switch (method) {
      case 'PUT': {
        const request = (body ?? {}) as { location?: string; tags?: Record<string, string> };
        if (!request.location) {
        armError(400, 'LocationRequired', 'The location property is required for this definition.');
        return true;
      }
        const created = { name: group?.name ?? name, location: request.location, tags: request.tags ?? {} };
        groups.set(name.toLowerCase(), created);
        send(group ? 200 : 201, describeGroup(created));
        return true;
      }
      case 'GET':
        if (!group) notFound();
        else send(200, describeGroup(group));
        return true;
      case 'HEAD':
        send(group ? 204 : 404);
        return true;
      case 'DELETE':
        if (!group) {
        notFound();
        return true;
      }
        if ((options.deletingPolls ?? 0) > 0 || options.failGroupDeletion?.(group.name)) deletions.set(name.toLowerCase(), { pollsLeft: options.deletingPolls ?? 0, fails: options.failGroupDeletion?.(group.name) === true });
        else groups.delete(name.toLowerCase());
        for (const deploymentKey of [...live.keys()]) if (deploymentKey.startsWith(`${name.toLowerCase()}/`)) live.delete(deploymentKey);
        deletedGroups.push(group.name);
        send(202, undefined, { location: `${base}/fake-group-deletions/${encodeURIComponent(group.name)}?api-version=2025-04-01`, 'retry-after': '0' });
        return true;
      default:
        armError(405, 'MethodNotAllowed', `fake ARM: ${method} on a resource group is not faked`);
        return true;
    }
  };

  return { route, groups, deployments, deletedGroups, options };
}
