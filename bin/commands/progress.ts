import type { BenchmarkerProgress } from '../../client-agent/benchmarker/benchmarker';
import { formatElapsed } from '../../lib/report/table';

/**
 * Live progress of a run on the terminal: one status line rewritten in place on a TTY (a line
 * every 10 s otherwise, so logs stay readable), with experiment log lines printed above it.
 */
export class ProgressLine {
  private latest: BenchmarkerProgress | undefined;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    const interactive = Boolean(stream.isTTY);
    this.timer = setInterval(() => this.render(), interactive ? 250 : 10_000);
    this.timer.unref();
  }

  update(progress: Readonly<BenchmarkerProgress>): void {
    this.latest = { ...progress };
  }

  log(message: string): void {
    this.clear();
    this.stream.write(`${message}\n`);
    if (this.stream.isTTY) this.render();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private text(): string {
    const p = this.latest;
    const counts = p
      ? `${p.requests} requests, ${p.invocationRows} records, ${p.cold} cold, ${p.errors} errors, ${p.throttled} throttled, ${p.timeouts} timeouts, ${p.experimentRows} rows`
      : 'starting';
    return `[${this.label}] ${formatElapsed(Date.now() - this.started)}  ${counts}`;
  }

  private render(): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${this.text()}`);
      this.shown = true;
    } else if (this.latest) {
      this.stream.write(`${this.text()}\n`);
    }
  }

  private clear(): void {
    if (this.stream.isTTY && this.shown) this.stream.write('\r\x1b[2K');
  }
}
