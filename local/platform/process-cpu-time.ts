import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Another process's CPU time cannot be read on this system. */
export class ProcessCpuTimeUnavailableError extends Error {
  override name = 'ProcessCpuTimeUnavailableError';
}

/**
 * The CPU time one thread of process `pid` has run so far, in ms, with nanosecond precision
 * (Linux: the first field of `/proc/<pid>/task/<tid>/schedstat`; the kernel brings it up to date
 * at each scheduler tick and context switch). `tid` defaults to the main thread. Throws
 * {@link ProcessCpuTimeUnavailableError} when the thread is gone or the system has no such file.
 */
export function readThreadCpuMs(pid: number, tid = pid): number {
  const path = `/proc/${pid}/task/${tid}/schedstat`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProcessCpuTimeUnavailableError(`cannot read the CPU time of thread ${tid} of process ${pid} from ${path}`, { cause: error });
  }
  const runNs = Number(text.slice(0, text.indexOf(' ')));
  if (!Number.isFinite(runNs)) throw new ProcessCpuTimeUnavailableError(`${path} does not start with a run time: ${JSON.stringify(text.slice(0, 60))}`);
  return runNs / 1e6;
}

/** The CPU time of every thread of process `pid` but its main thread, in ms. */
export function readHelperThreadsCpuMs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch (error) {
    throw new ProcessCpuTimeUnavailableError(`cannot list the threads of process ${pid}`, { cause: error });
  }
  let totalMs = 0;
  for (const tid of tids) {
    if (Number(tid) === pid) continue;
    try {
      totalMs += readThreadCpuMs(pid, Number(tid));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return totalMs;
}

export interface ProcessCpuReaderOptions {
  /** How often the helper threads are summed again, in ms. @default 50 */
  helperRefreshMs?: number;
  /** A monotonic clock in ms. @default performance.now */
  nowMs?: () => number;
}

/**
 * A reader of process `pid`'s CPU time so far, in ms: its main thread's (the one that runs a
 * function's JavaScript) read afresh on every call, which is cheap, plus its helper threads'
 * (garbage collector, compiler, I/O), which can add a tenth to the main thread's and are summed
 * again at most every `helperRefreshMs`. The sum never goes back when a helper thread ends.
 */
export function createProcessCpuReader(pid: number, options: ProcessCpuReaderOptions = {}): () => number {
  const helperRefreshMs = options.helperRefreshMs ?? 50;
  const nowMs = options.nowMs ?? (() => performance.now());
  let helpersMs = readHelperThreadsCpuMs(pid);
  let helpersReadAtMs = nowMs();
  return () => {
    const mainMs = readThreadCpuMs(pid);
    if (nowMs() - helpersReadAtMs >= helperRefreshMs) {
      helpersMs = Math.max(helpersMs, readHelperThreadsCpuMs(pid));
      helpersReadAtMs = nowMs();
    }
    return mainMs + helpersMs;
  };
}

/** Whether another process's CPU time can be read here (on Linux with scheduler statistics). */
export function processCpuTimeReadable(): boolean {
  try {
    readThreadCpuMs(process.pid);
    readHelperThreadsCpuMs(process.pid);
    return true;
  } catch {
    return false;
  }
}
