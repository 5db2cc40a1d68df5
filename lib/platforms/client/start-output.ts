/**
 * What a run's start command (./agent-commands.ts `startCommands`) printed, read the same way by
 * every agent driver (SSM GetCommandInvocation's output on EC2, the Run Command instance view on
 * an Azure VM): the agent started (its pid), the machine's boot failed (the boot script's reason),
 * the agent stopped as soon as it started (the end of its log), or none of these.
 */
import { AGENT_EXITED_PREFIX, agentStartedPattern, BOOT_FAILED_PREFIX } from './agent-commands';

/** The meaning of a start command's output. */
export type StartOutcome =
  | { kind: 'started'; pid: number }
  | { kind: 'boot-failed'; reason: string }
  | { kind: 'agent-exited'; log: string }
  | { kind: 'unknown' };

/** Reads the output (stdout and stderr, in any order) of the run's start command. */
export function readStartOutput(runId: string, output: string): StartOutcome {
  const started = agentStartedPattern(runId).exec(output);
  if (started?.[1]) return { kind: 'started', pid: Number(started[1]) };
  const boot = lineAfter(output, BOOT_FAILED_PREFIX);
  if (boot !== undefined) return { kind: 'boot-failed', reason: boot || 'no reason given' };
  const exitedAt = output.indexOf(`${AGENT_EXITED_PREFIX} run ${runId}`);
  if (exitedAt >= 0) return { kind: 'agent-exited', log: oneLine(output.slice(exitedAt).split('\n').slice(1).join('\n')) };
  return { kind: 'unknown' };
}

/** The last `maxChars` characters of some output, on one line; `(empty)` when there is none. */
export function oneLine(output: string, maxChars = 500): string {
  const flat = output.replace(/\s+/g, ' ').trim();
  return flat ? (flat.length > maxChars ? `…${flat.slice(-maxChars)}` : flat) : '(empty)';
}

function lineAfter(output: string, prefix: string): string | undefined {
  const line = output.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}
