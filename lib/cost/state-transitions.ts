/**
 * How many Step Functions state transitions one RunExperiment execution makes, read from the
 * state machine's own definition (state-machines/run-experiment.asl.json): the states of the
 * path a completed run takes, each once, except the readiness loops (Wait → Check → Choice), which
 * are entered once per poll. Standard workflows bill every state entered. Retries and failure
 * paths are not counted.
 */
import { z } from 'zod';
import definition from '../../state-machines/run-experiment.asl.json';

const stateSchema: z.ZodType<AslState> = z.lazy(() =>
  z.looseObject({
    Type: z.string(),
    Next: z.string().optional(),
    End: z.boolean().optional(),
    Default: z.string().optional(),
    Choices: z.array(z.looseObject({ Next: z.string() })).optional(),
    Seconds: z.number().optional(),
    ItemProcessor: machineSchema.optional(),
  }),
);
const machineSchema: z.ZodType<AslMachine> = z.lazy(() => z.looseObject({ StartAt: z.string(), States: z.record(z.string(), stateSchema), TimeoutSeconds: z.number().optional() }));

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Seconds?: number;
  ItemProcessor?: AslMachine;
}

interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

export class StateMachineShapeError extends Error {
  override name = 'StateMachineShapeError';
}

/** RunExperiment's definition, checked once for the parts read here. */
export const RUN_EXPERIMENT_DEFINITION: AslMachine = machineSchema.parse(definition);

/** How long an execution may last before Step Functions ends it, s. */
export function executionTimeoutSeconds(machine: AslMachine = RUN_EXPERIMENT_DEFINITION): number {
  if (machine.TimeoutSeconds === undefined) throw new StateMachineShapeError('the state machine has no TimeoutSeconds');
  return machine.TimeoutSeconds;
}

/** The polling loops: their Choice state, and the Wait state each poll waits in (teardown: the deletions after Teardown). */
export const READINESS_LOOPS = {
  functions: { choice: 'FunctionsReady', wait: 'WaitForFunctions' },
  client: { choice: 'ClientReady', wait: 'WaitForClient' },
  teardown: { choice: 'TeardownDone', wait: 'WaitForTeardown' },
} as const;

/** Polls of each loop; the teardown loop's count is not known from a run's history, and is taken as 1 when not given. */
export type ReadinessPolls = Record<'functions' | 'client', number> & { teardown?: number };

/** How long one poll of a readiness loop waits, s. */
export function readinessWaitSeconds(loop: keyof typeof READINESS_LOOPS, machine: AslMachine = RUN_EXPERIMENT_DEFINITION): number {
  const state = findState(machine, READINESS_LOOPS[loop].wait);
  if (state?.Type !== 'Wait' || state.Seconds === undefined) throw new StateMachineShapeError(`${READINESS_LOOPS[loop].wait} is not a Wait state with Seconds`);
  return state.Seconds;
}

function findState(machine: AslMachine, name: string): AslState | undefined {
  const own = machine.States[name];
  if (own) return own;
  for (const state of Object.values(machine.States)) {
    const nested = state.ItemProcessor && findState(state.ItemProcessor, name);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Transitions of one execution with one platform that completes, its readiness loops polled
 * `polls` times each (at least once).
 */
export function countStateTransitions(polls: ReadinessPolls, machine: AslMachine = RUN_EXPERIMENT_DEFINITION): number {
  const pollsByChoice = new Map<string, number>(
    (Object.keys(READINESS_LOOPS) as (keyof typeof READINESS_LOOPS)[]).map((loop) => [READINESS_LOOPS[loop].choice, Math.max(1, Math.ceil(polls[loop] ?? 1))]),
  );
  return walk(machine, pollsByChoice);
}

const MAX_STATES = 1_000_000;

function walk(machine: AslMachine, pollsByChoice: ReadonlyMap<string, number>): number {
  const visits = new Map<string, number>();
  let count = 0;
  let name: string | undefined = machine.StartAt;
  while (name !== undefined) {
    const state: AslState | undefined = machine.States[name];
    if (!state) throw new StateMachineShapeError(`no state ${name}`);
    count += 1;
    if (count > MAX_STATES) throw new StateMachineShapeError(`the path from ${machine.StartAt} does not end`);
    const seen = (visits.get(name) ?? 0) + 1;
    visits.set(name, seen);
    if (state.ItemProcessor) count += walk(state.ItemProcessor, pollsByChoice);
    if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') break;
    if (state.Type !== 'Choice') {
      name = state.Next;
      continue;
    }
    const polls = pollsByChoice.get(name);
    // A readiness loop goes round (Default) until its last poll, then takes its first choice (ready).
    // Any other Choice takes its Default: on RunExperiment that is the completed path.
    name = polls === undefined ? state.Default : seen < polls ? state.Default : state.Choices?.[0]?.Next;
  }
  return count;
}
