/**
 * The three task-token calls the callback endpoint makes on the agent's behalf (SendTaskSuccess,
 * SendTaskFailure, SendTaskHeartbeat), behind one interface with two implementations:
 * {@link SfnTaskCompleter} for AWS Step Functions, and {@link BrokerTaskCompleter} for the local
 * `TokenBroker` (local/control-plane/token-broker.ts), so the same handling code runs in the
 * Lambda and in the local control plane.
 *
 * Both apply Step Functions' limits the same way (an output over 256 KiB of JSON is refused with
 * {@link TaskOutputTooLargeError} before any call; error and cause are truncated to 256 and 32,768
 * characters), and both translate their backend's errors once: "the task is no longer waiting"
 * (`TaskTimedOut`, `TaskDoesNotExist`, `InvalidToken`) becomes {@link TaskNoLongerWaitingError};
 * anything else becomes {@link TaskCompleterUnavailableError} (the agent may retry).
 */
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { CallbackError, TaskCompleterUnavailableError, TaskNoLongerWaitingError, TaskOutputTooLargeError } from './errors';

/** Step Functions' limit on a task's output (SendTaskSuccess `output`), in UTF-8 bytes of JSON. */
export const TASK_OUTPUT_MAX_BYTES = 256 * 1024;
/** Step Functions' limit on SendTaskFailure `error`, in characters. */
export const TASK_ERROR_MAX_CHARS = 256;
/** Step Functions' limit on SendTaskFailure `cause`, in characters. */
export const TASK_CAUSE_MAX_CHARS = 32_768;

/** Step Functions' answers meaning the token can no longer complete anything. */
const TASK_GONE_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export interface TaskCompleter {
  /** SendTaskSuccess with `output` as the task's result. */
  success(taskToken: string, output: unknown): Promise<void>;
  /** SendTaskFailure; `error` and `cause` are truncated to Step Functions' limits. */
  failure(taskToken: string, error: string, cause: string): Promise<void>;
  /** SendTaskHeartbeat: the task is still being worked on. */
  heartbeat(taskToken: string): Promise<void>;
}

/**
 * The output as the JSON string Step Functions receives, refused with
 * {@link TaskOutputTooLargeError} when over {@link TASK_OUTPUT_MAX_BYTES}. `undefined` becomes `null`.
 */
export function serializeTaskOutput(output: unknown): string {
  const json = JSON.stringify(output ?? null);
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes > TASK_OUTPUT_MAX_BYTES) throw new TaskOutputTooLargeError(sizeBytes, TASK_OUTPUT_MAX_BYTES);
  return json;
}

/** At most `maxChars` UTF-16 code units of `text`, never ending in half a surrogate pair. */
export function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** A backend's error as this module's: own errors through, "task gone" → 410, the rest → 502. */
export function toTaskCompleterError(error: unknown): CallbackError {
  if (error instanceof CallbackError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  if (TASK_GONE_ERRORS.has(name)) return new TaskNoLongerWaitingError(name, { cause: error });
  return new TaskCompleterUnavailableError(name, { cause: error });
}

/** The completer for AWS Step Functions. */
export class SfnTaskCompleter implements TaskCompleter {
  constructor(private readonly client: SFNClient) {}

  async success(taskToken: string, output: unknown): Promise<void> {
    const json = serializeTaskOutput(output);
    await this.send(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: json })));
  }

  async failure(taskToken: string, error: string, cause: string): Promise<void> {
    const command = new SendTaskFailureCommand({
      taskToken,
      error: truncateChars(error, TASK_ERROR_MAX_CHARS),
      cause: truncateChars(cause, TASK_CAUSE_MAX_CHARS),
    });
    await this.send(() => this.client.send(command));
  }

  async heartbeat(taskToken: string): Promise<void> {
    await this.send(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken })));
  }

  private async send(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw toTaskCompleterError(error);
    }
  }
}

/** The calls of the local control plane's `TokenBroker` this module uses (typed structurally: lib does not import local). */
export interface LocalTaskTokenBroker {
  sendTaskSuccess(token: string, output: unknown): void;
  sendTaskFailure(token: string, error: string, cause: string): void;
  sendTaskHeartbeat(token: string): void;
}

/**
 * The completer for the local control plane's `TokenBroker`. The Task receives the output
 * parsed back from its JSON, as it would from Step Functions (dates become strings, and so on).
 */
export class BrokerTaskCompleter implements TaskCompleter {
  constructor(private readonly broker: LocalTaskTokenBroker) {}

  async success(taskToken: string, output: unknown): Promise<void> {
    const json = serializeTaskOutput(output);
    this.call(() => this.broker.sendTaskSuccess(taskToken, JSON.parse(json)));
  }

  async failure(taskToken: string, error: string, cause: string): Promise<void> {
    this.call(() => this.broker.sendTaskFailure(taskToken, truncateChars(error, TASK_ERROR_MAX_CHARS), truncateChars(cause, TASK_CAUSE_MAX_CHARS)));
  }

  async heartbeat(taskToken: string): Promise<void> {
    this.call(() => this.broker.sendTaskHeartbeat(taskToken));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      throw toTaskCompleterError(error);
    }
  }
}
