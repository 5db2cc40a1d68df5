/**
 * Shows a suite's progress on a stream: on a terminal, a block of lines redrawn in place; elsewhere
 * (a pipe, a CI log), a plain summary line every `plainIntervalMs`. Events (a run ended) are
 * printed once, as permanent lines, above the live block.
 */
import type { ProgressSnapshot } from './progress';
import { progressLines, summaryLine } from './progress';

/** The part of a stream the display writes to (process.stderr fits). */
export interface DisplayStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; lines are cut to it so the redraw counts the lines it drew. */
  columns?: number;
}

export interface ProgressDisplayOptions {
  stream: DisplayStream;
  snapshot: () => ProgressSnapshot;
  /** How often a terminal is redrawn. @default 500 ms */
  redrawIntervalMs?: number;
  /** How often a plain summary line is printed. @default 15 s */
  plainIntervalMs?: number;
}

/** ANSI: cursor up `n` lines to column 1; erase from the cursor to the end of the screen. */
const up = (n: number) => `\x1b[${n}F`;
const ERASE_DOWN = '\x1b[0J';

export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  /** Lines of the live block on screen (terminal only). */
  private drawn = 0;
  private readonly live: boolean;

  constructor(private readonly options: ProgressDisplayOptions) {
    this.live = options.stream.isTTY === true;
  }

  start(): void {
    if (this.live) this.redraw();
    else this.options.stream.write(`${summaryLine(this.options.snapshot())}\n`);
    const intervalMs = this.live ? (this.options.redrawIntervalMs ?? 500) : (this.options.plainIntervalMs ?? 15_000);
    this.timer = setInterval(() => (this.live ? this.redraw() : this.options.stream.write(`${summaryLine(this.options.snapshot())}\n`)), intervalMs);
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
      this.options.stream.write(`${summaryLine(this.options.snapshot())}\n`);
    }
  }

  private redraw(): void {
    const width = this.options.stream.columns ?? 0;
    const lines = progressLines(this.options.snapshot()).map((line) => (width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line));
    this.options.stream.write(`${this.erase()}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private erase(): string {
    return this.drawn ? `${up(this.drawn)}${ERASE_DOWN}` : '';
  }
}
