/**
 * A process's tree from /proc (Linux), for tests that kill a command and then check that nothing
 * it started is left: the tree is taken while the command runs, since a killed process's children
 * are reparented and no longer found under it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Each live process's parent pid and state letter (`R`, `S`, `Z`, …), from /proc/<pid>/stat. */
function processTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat) table.set(Number(entry), stat);
  }
  return table;
}

function statOf(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields follow the last `)`.
    const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Each parent pid's children, now. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const [child, { ppid }] of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), child]);
  return children;
}

/** Add every process below `root` in `children` to `into`. */
function collectBelow(children: ReadonlyMap<number, readonly number[]>, root: number, into: Set<number>): Set<number> {
  const pending = [root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const child of children.get(next) ?? []) {
      into.add(child);
      pending.push(child);
    }
  }
  return into;
}

/** Every process below `pid`, now. */
export function descendants(pid: number): number[] {
  return [...collectBelow(childrenByParent(), pid, new Set())];
}

/** Whether `pid` is a running process (a zombie, exited but not yet reaped, is not). */
export function isRunning(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The pids of `pids` still running after waiting up to `withinMs` for them to go. */
export async function stillRunning(pids: readonly number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let alive = pids.filter(isRunning);
  while (alive.length && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** The trees being watched, each with what was seen below its root; one /proc scan serves them all. */
const watched = new Map<number, Set<number>>();
let scanner: NodeJS.Timeout | undefined;

function scanWatched(): void {
  const children = childrenByParent();
  for (const [root, seen] of watched) collectBelow(children, root, seen);
}

/**
 * Every process seen below `pid` from now until `stop()`, /proc polled every `everyMs` (one scan
 * for all the trees watched at once): what the command started and ended on its own is included,
 * and so is what it started after being signalled.
 */
export function watchTree(pid: number, everyMs = 200): { stop(): number[] } {
  const seen = new Set<number>();
  watched.set(pid, seen);
  scanWatched();
  scanner ??= setInterval(scanWatched, everyMs);
  return {
    stop: () => {
      if (watched.get(pid) === seen) watched.delete(pid);
      if (watched.size === 0 && scanner) {
        clearInterval(scanner);
        scanner = undefined;
      }
      return [...seen];
    },
  };
}
