import { describe, expect, it } from 'vitest';
import { countTaggedPoints } from '../../../test-support/chart-checks';
import { type ChartSpec, renderChartSvg } from './chart';
import { chartOption, markSeriesId } from './options';

const chart = (series: ChartSpec['option']['series']): ChartSpec => ({
  kind: 'search-gap',
  title: 'a chart',
  caption: 'what it shows',
  points: 0,
  option: chartOption({ x: { name: 'idle gap (s)' }, y: { name: 'latency (ms)' }, series: series as never }),
});

describe('Function: renderChartSvg', () => {
  it('draws a static SVG (no script) with each data point tagged once, and the axis names with their units', () => {
    const svg = renderChartSvg(
      chart([
        { name: 'a', type: 'scatter', data: [[1, 2], [2, 3], [3, 5]] },
        { name: 'b', type: 'line', showSymbol: true, showAllSymbol: true, data: [[1, 1], [2, 2]] },
        { name: 'c', type: 'bar', data: [[1, 4]] },
      ]),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/<script/i);
    expect(countTaggedPoints(svg)).toBe(6);
    expect(svg).toContain('idle gap (s)');
    expect(svg).toContain('latency (ms)');
  });

  it('does not count the marks of annotation series (a result line) as data points', () => {
    const svg = renderChartSvg(
      chart([
        { name: 'a', type: 'scatter', data: [[1, 2], [2, 3]] },
        { id: markSeriesId('result'), type: 'line', data: [], markLine: { symbol: 'none', label: { formatter: 'verified: 160 s' }, data: [{ yAxis: 2.5 }] } },
      ]),
    );
    expect(svg).toContain('verified: 160 s');
    expect(countTaggedPoints(svg)).toBe(2);
  });

  it('gives every chart of a process its own SVG ids, so many inline charts do not share clip paths', () => {
    const ids = (svg: string) => [...svg.matchAll(/ id="([^"]+)"/g)].map((match) => match[1]);
    const first = ids(renderChartSvg(chart([{ name: 'a', type: 'line', data: [[1, 2], [2, 3]] }])));
    const second = ids(renderChartSvg(chart([{ name: 'a', type: 'line', data: [[1, 2], [2, 3]] }])));
    expect(first.length).toBeGreaterThan(0);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
  });
});
