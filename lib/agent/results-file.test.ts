/**
 * The agent's results file: rows come back as written, in order, across the writer's chunks, and
 * a large write lets the event loop run between chunks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExperimentRow, InvocationRow } from '../results/types';
import { ResultsFileWriter, readResultsFile } from './results-file';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writer(): ResultsFileWriter {
  const dir = mkdtempSync(join(tmpdir(), 'fb-results-file-'));
  dirs.push(dir);
  return new ResultsFileWriter(join(dir, 'results.ndjson'));
}

const invocation = (seq: number) => ({ run_id: 'run-1', seq, batch_id: `b-${seq}`, identifier: `function1-${seq}`, status: 'ok' }) as unknown as InvocationRow;

describe('ResultsFileWriter', () => {
  it('writes every row, in order, however many chunks it takes, and reads them back', async () => {
    const file = writer();
    const rows = Array.from({ length: 1050 }, (_, seq) => invocation(seq));
    await file.insertInvocations(rows);
    const experimentRow: ExperimentRow = { run_id: 'run-1', table_name: 'pyramid', seq: 0, data: { step: 1, planned_calls: 5 } };
    await file.insertExperimentRows([experimentRow]);
    await file.insertInvocations([invocation(1050)]);
    const back = await readResultsFile(file.path);
    expect(back.invocations.map((row) => row.seq)).toEqual(Array.from({ length: 1051 }, (_, seq) => seq));
    expect(back.invocations[7]).toEqual(rows[7]);
    expect(back.experimentRows).toEqual([experimentRow]);
  });

  it('never serializes more than a chunk of rows without letting the event loop run', async () => {
    const file = writer();
    // Each row notes when it is serialized; an immediate re-armed every turn notes each event-loop turn.
    const trace: ('row' | 'turn')[] = [];
    const traced = (seq: number) =>
      ({
        ...invocation(seq),
        toJSON: () => {
          trace.push('row');
          return invocation(seq);
        },
      }) as unknown as InvocationRow;
    let turning = true;
    const turn = () => {
      trace.push('turn');
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    await file.insertInvocations(Array.from({ length: 1000 }, (_, seq) => traced(seq)));
    turning = false;
    let longestRun = 0;
    let run = 0;
    for (const entry of trace) {
      run = entry === 'row' ? run + 1 : 0;
      longestRun = Math.max(longestRun, run);
    }
    expect(trace.filter((entry) => entry === 'row')).toHaveLength(1000);
    expect(longestRun).toBeLessThanOrEqual(100);
    expect((await readResultsFile(file.path)).invocations.map((row) => row.seq)).toEqual(Array.from({ length: 1000 }, (_, seq) => seq));
  });
});
