/**
 * Per-hop breakdown of chains of nested calls: for each group of chain calls (a pre-warm level,
 * the set of hops that started cold, or a caller → callee pair) a stacked bar of where the time
 * went, hop by hop, one stack per run.
 *
 * Read from what the chain experiments store: weakest-link's and basic-weakest-link's summary rows
 * (each hop's mean own time: its round trip minus that of the hop it called), and
 * linear-invocation-nested's call rows (median of each part of a nested call: the caller's send to
 * the callee's start, the callee's own duration, the way back, and the rest of the caller's round trip).
 */
import type { SeriesOption } from 'echarts';
import { percentileCont } from '../../stats/summary';
import type { ReportRun } from '../report-run';
import { numberField, type Row, stringField } from '../row-fields';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor } from './options';

/** One bar segment: in `group`, `part` took `ms`. */
export interface HopPart {
  group: string;
  part: string;
  ms: number;
}

export function hopPartsOf(run: ReportRun): HopPart[] {
  const parts: HopPart[] = [];
  const summaries: [string, (row: Row) => string | null][] = [
    ['weakest_link_summary', (row) => `${stringField(row, 'direction') ?? ''} L${numberField(row, 'prewarm_level') ?? '?'}`],
    ['basic_weakest_link_summary', (row) => stringField(row, 'cold_hops')],
  ];
  for (const [table, groupOf] of summaries) {
    for (const row of run.rows[table] ?? []) {
      const group = groupOf(row);
      const ms = numberField(row, 'mean_own_time_ms');
      if (group === null || ms === null) continue;
      parts.push({ group, part: `hop ${numberField(row, 'hop') ?? '?'} ${stringField(row, 'function_name') ?? ''}`, ms });
    }
  }
  const nested = run.rows.linear_invocation_nested ?? [];
  const pairs = new Map<string, Row[]>();
  for (const row of nested) {
    if (stringField(row, 'status') !== 'ok' || stringField(row, 'nested_status') !== 'ok') continue;
    const pair = `${stringField(row, 'function_name')} → ${stringField(row, 'nested_function_name')}`;
    pairs.set(pair, [...(pairs.get(pair) ?? []), row]);
  }
  for (const [pair, rows] of pairs) {
    const median = (pick: (row: Row) => number | null) => {
      const values = rows.map(pick).filter((value): value is number => value !== null);
      return values.length ? percentileCont(values, 0.5) : null;
    };
    const startMs = median((row) => numberField(row, 'nested_latency_ms'));
    const durationMs = median((row) => numberField(row, 'nested_duration_ms'));
    const nestedRoundTripMs = median((row) => numberField(row, 'nested_round_trip_ms'));
    const roundTripMs = median((row) => numberField(row, 'round_trip_ms'));
    const segments: [string, number | null][] = [
      ['send → callee start', startMs],
      ['callee duration', durationMs],
      ['callee answer back', nestedRoundTripMs !== null && startMs !== null && durationMs !== null ? Math.max(0, nestedRoundTripMs - startMs - durationMs) : null],
      ["caller's own and client path", roundTripMs !== null && nestedRoundTripMs !== null ? Math.max(0, roundTripMs - nestedRoundTripMs) : null],
    ];
    for (const [part, ms] of segments) if (ms !== null) parts.push({ group: pair, part, ms });
  }
  return parts;
}

export function chainHopsChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const perRun = runs.map((run) => ({ run, parts: hopPartsOf(run) })).filter((entry) => entry.parts.length);
  if (!perRun.length) return undefined;
  const groups = [...new Set(perRun.flatMap((entry) => entry.parts.map((part) => part.group)))];
  const series: SeriesOption[] = [];
  let points = 0;
  for (const { run, parts } of perRun) {
    for (const partName of [...new Set(parts.map((part) => part.part))]) {
      const data = groups.map((group) => {
        const part = parts.find((candidate) => candidate.group === group && candidate.part === partName);
        return part ? Math.round(part.ms * 100) / 100 : null;
      });
      series.push({ name: `${run.label} · ${partName}`, type: 'bar', stack: run.run.id, barMaxWidth: 48, data });
      points += data.filter((value) => value !== null).length;
    }
  }
  return {
    kind: 'chain-hops',
    title: 'Where the time of a chain goes, hop by hop',
    caption: "Each bar is one group of chain calls (pre-warm level, hops that started cold, or caller → callee pair), stacked by hop: each hop's mean own time (its round trip less that of the hop it called), or for nested pairs the median of each part of the call. One stack per run.",
    points,
    option: chartOption({ x: { name: 'group of chain calls', type: 'category', categories: groups }, y: { name: 'time (ms)', min: 0 }, series, legendRows: legendRowsFor(series.length) }),
  };
}
