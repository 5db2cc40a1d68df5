/**
 * Decorators for the local control plane's dependencies (runLocalControlPlane's
 * `decorateDependencies` and its store) that inject faults and count what reached the real
 * adapters: the fault matrix (local/control-plane/fault-matrix.test.ts) composes them per row.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentPlan } from '../lib/agent/plan';
import type { BranchInput, ClientDriver, FunctionProvisioner } from '../lib/platforms/platform';
import type { ResultsStore } from '../lib/results/store';

/** A fault a test injects, never thrown by production code. */
export class InjectedFaultError extends Error {
  override name = 'InjectedFaultError';
}

/** A fault hook: given how many times the call was made before (0 on the first), throws to inject, returns to pass. */
export type FaultHook = (callsBefore: number, input: BranchInput) => void;

/** What reached one kind of resource (`functions` or `client`) of one run. */
export interface ResourceLedger {
  /** provision (functions) or startAgent (client) answered. */
  provisioned: boolean;
  teardownCalls: number;
  /** Teardown calls made while the resource was still there (its removal check said not gone). */
  teardownsOfLiveResource: number;
}

/** Per run and kind of resource, what the wrappers saw; the pids of the processes a run started. */
export class FaultLedger {
  readonly resources = new Map<string, ResourceLedger>();
  readonly agentPids = new Set<number>();
  readonly instancePids = new Set<number>();
  /** Local platforms' gateways the runs were given (they must be stopped afterwards). */
  readonly gatewayUrls = new Set<string>();
  /** Called once an agent has started, with its run, pid and plan. */
  onAgentStarted: ((runId: string, pid: number, plan: AgentPlan) => void) | undefined;

  resource(runId: string, kind: 'functions' | 'client'): ResourceLedger {
    const key = `${runId}/${kind}`;
    let entry = this.resources.get(key);
    if (!entry) {
      entry = { provisioned: false, teardownCalls: 0, teardownsOfLiveResource: 0 };
      this.resources.set(key, entry);
    }
    return entry;
  }
}

/** The live instances' pids a gateway lists (`GET /system/instances`), none when it does not answer. */
async function instancePidsOf(gatewayUrl: string): Promise<number[]> {
  try {
    const response = await fetch(`${gatewayUrl}/system/instances`);
    if (!response.ok) return [];
    const instances = (await response.json()) as { pid?: number }[];
    return instances.map((instance) => instance.pid).filter((pid): pid is number => typeof pid === 'number');
  } catch {
    return [];
  }
}

/** A provisioner that runs `faults` before the real calls and records them in `ledger`. */
export function meteredProvisioner(inner: FunctionProvisioner, ledger: FaultLedger, faults: { provision?: FaultHook; teardown?: FaultHook } = {}, options: { localPlatform?: boolean } = {}): FunctionProvisioner {
  let provisions = 0;
  const gateways = new Map<string, string>();
  return {
    async provision(input) {
      faults.provision?.(provisions++, input);
      const answer = await inner.provision(input);
      ledger.resource(input.run.runId, 'functions').provisioned = true;
      if (typeof answer.gatewayUrl === 'string') {
        gateways.set(input.run.runId, answer.gatewayUrl);
        if (options.localPlatform) ledger.gatewayUrls.add(answer.gatewayUrl);
      }
      return answer;
    },
    check: (input) => inner.check(input),
    agentTarget: (input) => inner.agentTarget(input),
    async teardown(input) {
      const entry = ledger.resource(input.run.runId, 'functions');
      const gateway = gateways.get(input.run.runId);
      // Taken before anything is removed: the instances are still running.
      if (gateway) for (const pid of await instancePidsOf(gateway)) ledger.instancePids.add(pid);
      const before = entry.teardownCalls++;
      faults.teardown?.(before, input);
      if (!(await inner.removal(input)).gone) entry.teardownsOfLiveResource += 1;
      await inner.teardown(input);
    },
    removal: (input) => inner.removal(input),
  };
}

/** A client driver that runs `faults` before the real calls, rewrites the agent's plan when asked, and records them in `ledger`. */
export function meteredClient(
  inner: ClientDriver & { runningPids(): number[] },
  ledger: FaultLedger,
  faults: { provision?: FaultHook; startAgent?: FaultHook; teardown?: FaultHook; plan?: (plan: AgentPlan) => AgentPlan } = {},
): ClientDriver {
  let provisions = 0;
  let starts = 0;
  return {
    async provision(input) {
      faults.provision?.(provisions++, input);
      return inner.provision(input);
    },
    check: (input) => inner.check(input),
    async startAgent(plan, input) {
      faults.startAgent?.(starts++, input);
      const before = new Set(inner.runningPids());
      const given = faults.plan ? faults.plan(plan) : plan;
      await inner.startAgent(given, input);
      ledger.resource(plan.runId, 'client').provisioned = true;
      for (const pid of inner.runningPids()) {
        if (before.has(pid)) continue;
        ledger.agentPids.add(pid);
        ledger.onAgentStarted?.(plan.runId, pid, given);
      }
    },
    async teardown(input) {
      const entry = ledger.resource(input.run.runId, 'client');
      const before = entry.teardownCalls++;
      faults.teardown?.(before, input);
      if (!(await inner.removal(input)).gone) entry.teardownsOfLiveResource += 1;
      await inner.teardown(input);
    },
    removal: (input) => inner.removal(input),
  };
}

/** Store methods a fault can be injected into: the hook sees the call's arguments and how many calls came before. */
export type StoreFaults = Partial<Record<'importRunResults' | 'setRunStatus', (callsBefore: number, args: unknown[]) => void>>;

/** The store with `faults` run before the named methods (every other method passes through). */
export function faultyStore(inner: ResultsStore, faults: StoreFaults): ResultsStore {
  const calls = new Map<string, number>();
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const hook = faults[property as keyof StoreFaults];
      if (!hook) return value.bind(target);
      return (...args: unknown[]) => {
        const before = calls.get(String(property)) ?? 0;
        calls.set(String(property), before + 1);
        hook(before, args);
        return value.apply(target, args);
      };
    },
  });
}

/**
 * A loopback relay between the agent and the callback endpoint that loses the agent's completion:
 * a `success` callback is answered 200 and never forwarded; everything else (heartbeats) is.
 */
export async function startCallbackDropper(): Promise<{ urlFor(target: string): string; dropped: number; close(): Promise<void> }> {
  const state = { dropped: 0 };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = new URL(request.url ?? '/', 'http://relay').searchParams.get('target') ?? '';
    let kind: unknown;
    try {
      kind = (JSON.parse(body) as { kind?: unknown }).kind;
    } catch {
      kind = undefined;
    }
    if (kind === 'success') {
      state.dropped += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    try {
      const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' }, body });
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    } catch {
      response.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (target) => `http://127.0.0.1:${port}/?target=${encodeURIComponent(target)}`,
    get dropped() {
      return state.dropped;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
