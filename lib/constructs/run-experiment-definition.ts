/**
 * The RunExperiment definition (state-machines/run-experiment.asl.json) as the constructs read it:
 * the ASL text the state machine inlines, its states (each Task's `TimeoutSeconds` bounds its
 * Lambda's timeout) and the `${…}` placeholders the state machine fills. Read once per stack and
 * handed to `RunExperimentSteps` and `RunExperimentStateMachine`; this module creates no resources.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './control-plane-function';

/** The state machine definition, inlined into the template (placeholders substituted by CloudFormation). */
export const RUN_EXPERIMENT_ASL_FILE = join(PROJECT_ROOT, 'state-machines', 'run-experiment.asl.json');
/** The Task that waits for the agent's callback; its TimeoutSeconds is how long a callback stays valid. */
const AGENT_STATE_NAME = 'RunAgent';

/** The ASL and the constructs disagree on the placeholders, or the ASL lacks a state the constructs rely on. */
export class ControlPlaneDefinitionError extends Error {
  override name = 'ControlPlaneDefinitionError';
}

/** The `${Name}` placeholders of an ASL document, sorted, each once. */
export function aslPlaceholders(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''))].sort();
}

/** The parts of an ASL state the constructs read. */
export interface AslState {
  Type?: string;
  TimeoutSeconds?: number;
  States?: Record<string, AslState>;
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
}

/** Every state of an ASL document by name, including those inside Map and Parallel states. */
export function aslStates(definition: AslState): Map<string, AslState> {
  const found = new Map<string, AslState>();
  const walk = (states: Record<string, AslState> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      found.set(name, state);
      walk(state.ItemProcessor?.States);
      walk(state.Iterator?.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return found;
}

/** A RunExperiment definition, read and checked. */
export interface RunExperimentDefinition {
  /** The file it was read from (named in errors). */
  readonly file: string;
  /** The ASL text, placeholders unsubstituted. */
  readonly asl: string;
  /** Every state by name (see {@link aslStates}). */
  readonly states: ReadonlyMap<string, AslState>;
  /** `TimeoutSeconds` of the {@link AGENT_STATE_NAME} Task: how long a run's callback stays valid. */
  readonly agentTimeoutSeconds: number;
}

/** Read a RunExperiment definition; it must have the agent Task with a `TimeoutSeconds`. */
export function readRunExperimentDefinition(file: string = RUN_EXPERIMENT_ASL_FILE): RunExperimentDefinition {
  const asl = readFileSync(file, 'utf8');
  const states = aslStates(JSON.parse(asl) as AslState);
  const agentTimeoutSeconds = states.get(AGENT_STATE_NAME)?.TimeoutSeconds;
  if (agentTimeoutSeconds === undefined) {
    throw new ControlPlaneDefinitionError(`${file}: state ${AGENT_STATE_NAME} with TimeoutSeconds not found`);
  }
  return { file, asl, states, agentTimeoutSeconds };
}
