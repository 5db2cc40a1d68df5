import { formatElapsed, formatTable } from '../report/table';
import type { SuiteOutcome } from './outcome';

/** The longest result or reason shown in a cell; `fb show <run>` has the rest. */
const TEXT_MAX_CHARS = 160;

/**
 * The suite's closing table: every experiment with its status, run, duration, calls, and its
 * headline result (the run's stored `result.sentence`, with the value) or why it failed.
 */
export function formatClosingTable(outcomes: readonly SuiteOutcome[]): string {
  return formatTable(
    ['experiment', 'status', 'run', 'duration', 'calls', 'result'],
    outcomes.map((outcome) => [
      outcome.experiment,
      outcome.status,
      outcome.runId?.slice(0, 8),
      outcome.durationMs === undefined ? undefined : formatElapsed(outcome.durationMs),
      outcome.calls,
      cut(resultText(outcome)),
    ]),
  );
}

/** One line under the table: how many completed, which failed, how many never started. */
export function closingSummary(outcomes: readonly SuiteOutcome[]): string {
  const completed = outcomes.filter((outcome) => outcome.status === 'completed').length;
  if (completed === outcomes.length) return `all ${completed} runs completed`;
  const failed = outcomes.filter((outcome) => outcome.status === 'failed').map((outcome) => outcome.experiment);
  const notStarted = outcomes.filter((outcome) => outcome.status === 'not started').length;
  const parts = [...(failed.length ? [`${failed.length} failed (${failed.join(', ')})`] : []), ...(notStarted ? [`${notStarted} not started`] : [])];
  return `${completed} of ${outcomes.length} runs completed: ${parts.join(', ')}`;
}

function resultText(outcome: SuiteOutcome): string {
  if (outcome.status !== 'completed') return outcome.reason ?? '';
  if (outcome.result) {
    const { sentence, value, unit } = outcome.result;
    return value === null ? sentence : `${sentence} (${value} ${unit})`;
  }
  return outcome.resultNote ?? 'no result reported';
}

function cut(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TEXT_MAX_CHARS ? `${line.slice(0, TEXT_MAX_CHARS - 1)}…` : line;
}
