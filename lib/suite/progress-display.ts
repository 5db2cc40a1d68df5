/**
 * Shows progress on a stream: on a terminal, a block of lines redrawn in place; elsewhere (a pipe,
 * a CI log), a plain line every `plainIntervalMs`, never a control sequence. Events (a run ended,
 * a phase changed, an agent's line) are printed once, as permanent lines, above the live block.
 *
 * What is shown comes from a {@link ProgressView}: a suite's (`fb run --all`, {@link suiteView})
 * or one run's (`fb run`, ./run-progress.ts).
 */
import type { ProgressSnapshot } from './progress';
import { progressLines, summaryLine } from './progress';
import { progressBar, timeFraction } from './progress-bar';

/** The part of a stream the display writes to (process.stderr fits). */
export interface DisplayStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; lines are cut to it so the redraw counts the lines it drew. */
  columns?: number;
}

/** What a display shows, read afresh at each redraw or plain line. */
export interface ProgressView {
  /** The live block on a terminal `columns` wide (unknown: undefined). */
  lines(columns?: number): string[];
  /** One plain line, for a stream that is not a terminal. */
  line(): string;
}

/**
 * A suite's view: on a terminal its summary line, a bar of the time spent against the time
 * expected (when the ETA is known), and a line per running experiment; elsewhere the summary.
 */
export function suiteView(snapshot: () => ProgressSnapshot): ProgressView {
  return {
    lines: (columns) => {
      const now = snapshot();
      const [summary = '', ...running] = progressLines(now);
      const fraction = timeFraction(now.elapsedMs, now.etaMs);
      const bar = fraction === undefined ? [] : [`  ${progressBar(fraction, Math.max(10, Math.min(40, (columns ?? 80) - 12)))}`];
      return [summary, ...bar, ...running];
    },
    line: () => summaryLine(snapshot()),
  };
}

/** Either a view, or a suite's snapshot (shown as {@link suiteView}). */
export type ProgressSource = { view: ProgressView; snapshot?: undefined } | { snapshot: () => ProgressSnapshot; view?: undefined };

export type ProgressDisplayOptions = ProgressSource & {
  stream: DisplayStream;
  /** How often a terminal is redrawn. @default 500 ms */
  redrawIntervalMs?: number;
  /** How often a plain summary line is printed. @default 15 s */
  plainIntervalMs?: number;
};

/** ANSI: cursor up `n` lines to column 1; erase from the cursor to the end of the screen. */
const up = (n: number) => `\x1b[${n}F`;
const ERASE_DOWN = '\x1b[0J';

export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  /** Lines of the live block on screen (terminal only). */
  private drawn = 0;
  private readonly live: boolean;
  private readonly view: ProgressView;

  constructor(private readonly options: ProgressDisplayOptions) {
    this.live = options.stream.isTTY === true;
    this.view = options.view ?? suiteView(options.snapshot);
  }

  start(): void {
    if (this.live) this.redraw();
    else this.options.stream.write(`${this.view.line()}\n`);
    const intervalMs = this.live ? (this.options.redrawIntervalMs ?? 500) : (this.options.plainIntervalMs ?? 15_000);
    this.timer = setInterval(() => (this.live ? this.redraw() : this.options.stream.write(`${this.view.line()}\n`)), intervalMs);
    this.timer.unref();
  }

  /** A permanent line (e.g. a run's end), above the live block. */
  event(line: string): void {
    if (!this.live) {
      this.options.stream.write(`${line}\n`);
      return;
    }
    this.options.stream.write(`${this.erase()}${line}\n`);
    this.drawn = 0;
    this.redraw();
  }

  /** Stop redrawing; the terminal keeps the last state, a plain stream gets a last summary line. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.live) {
      this.redraw();
      this.drawn = 0;
    } else {
      this.options.stream.write(`${this.view.line()}\n`);
    }
  }

  private redraw(): void {
    const width = this.options.stream.columns ?? 0;
    const lines = this.view.lines(this.options.stream.columns).map((line) => (width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line));
    this.options.stream.write(`${this.erase()}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private erase(): string {
    return this.drawn ? `${up(this.drawn)}${ERASE_DOWN}` : '';
  }
}
