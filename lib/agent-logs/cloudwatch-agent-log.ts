/**
 * Reading an EC2 client's agent log from the stage's agent log group. SSM Run Command writes each
 * command's output to the streams `<CommandId>/<InstanceId>/aws-runShellScript/stdout` and
 * `…/stderr`; every command the SSM driver sends for a run prints the run id ("agent started: run
 * <id>", "agent log: run <id>" followed by the agent's log, "agent stopped: run <id>",
 * lib/platforms/client/agent-commands.ts). So the run's streams are found by searching the group
 * for the run id, and each found command's streams are then read whole, in time order.
 */
import { type CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';

export interface CloudWatchAgentLogQuery {
  logGroupName: string;
  runId: string;
  /** Search from this time (epoch ms), e.g. the run's start less a margin. */
  startTimeMs: number;
  /** Search up to this time (epoch ms), e.g. the run's end plus a margin. */
  endTimeMs: number;
}

/** One line of a command's output, as `fb logs` prints it. */
export interface AgentLogLine {
  /** ISO 8601 time CloudWatch recorded the event at. */
  at: string;
  /** `stdout` or `stderr` (the stream's last part). */
  stream: string;
  text: string;
}

/** The lines of every SSM command of the run, oldest first; empty when the group has none. */
export async function readCloudWatchAgentLog(client: CloudWatchLogsClient, query: CloudWatchAgentLogQuery): Promise<AgentLogLine[]> {
  const window = { logGroupName: query.logGroupName, startTime: query.startTimeMs, endTime: query.endTimeMs };
  const mentions = await allEvents(client, { ...window, filterPattern: `"${query.runId}"` });
  const commands = [...new Set(mentions.map((event) => commandPrefix(event.logStreamName)).filter((prefix): prefix is string => prefix !== undefined))];
  const lines: (AgentLogLine & { timestamp: number; order: number })[] = [];
  let order = 0;
  for (const prefix of commands) {
    for (const event of await allEvents(client, { ...window, logStreamNamePrefix: prefix })) {
      const timestamp = event.timestamp ?? 0;
      const stream = event.logStreamName?.split('/').at(-1) ?? '';
      for (const text of (event.message ?? '').replace(/\n$/, '').split('\n')) {
        lines.push({ at: new Date(timestamp).toISOString(), stream, text, timestamp, order: order++ });
      }
    }
  }
  lines.sort((a, b) => a.timestamp - b.timestamp || a.order - b.order);
  return lines.map(({ at, stream, text }) => ({ at, stream, text }));
}

/** `<CommandId>/<InstanceId>/` of an SSM output stream, or undefined for any other stream. */
function commandPrefix(streamName: string | undefined): string | undefined {
  const parts = streamName?.split('/') ?? [];
  return parts.length >= 4 ? `${parts[0]}/${parts[1]}/` : undefined;
}

async function allEvents(client: CloudWatchLogsClient, input: FilterLogEventsCommandInput): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new FilterLogEventsCommand({ ...input, ...(nextToken ? { nextToken } : {}) }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
