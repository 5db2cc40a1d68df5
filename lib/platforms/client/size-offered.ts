/**
 * What both clouds' client machines share when ValidateInput asks whether their region offers the
 * size a run would use (`ClientMachine.checkSizeOffered`): how a refusal names who chose the size
 * and how to choose another, how long the question may take, and where a check that could not be
 * made is reported.
 *
 * The check only refuses what the cloud says plainly (no offering, a restriction). A check the cloud
 * could not answer (throttled, a 5xx, no permission, too slow) does not refuse the run: ProvisionClient,
 * which creates the machine, is still where a size is finally accepted or refused.
 */
import { CLIENT_SIZE_OPTIONS, type ClientSizing } from './machine-size';
import { ClientSizeNotOfferedError } from '../errors';

/**
 * How long one size check may take, ms: well inside ValidateInput's 60 s Task timeout, which
 * also covers reading the Azure credentials; the SDKs' own retries of throttling happen within it.
 */
export const SIZE_CHECK_TIMEOUT_MS = 15_000;

/** The kebab-case `fb run --platform-option` name of each size option. */
const CLI_OPTION = { ec2InstanceType: 'client-instance-type', azureVmSize: 'client-vm-size' } as const;

export type ClientSizeField = keyof typeof CLIENT_SIZE_OPTIONS;

/** Who chose the size, as a refusal names it: `platformOptions.clientVmSize`, the experiment, or the deployment's default. */
export function chosenByOf(field: ClientSizeField, sizing: ClientSizing | undefined): string {
  switch (sizing?.chosenBy[field] ?? 'platform option') {
    case 'platform option':
      return `named by platformOptions.${CLIENT_SIZE_OPTIONS[field]}`;
    case 'experiment':
      return "the experiment's declared client size";
    default:
      return "the deployment's default";
  }
}

/** The refusal of a size the region does not offer: `<what> <size> (<who chose it>) <why> in <region>; <what to do>`. */
export function clientSizeNotOffered(field: ClientSizeField, what: { size: string; sizing: ClientSizing | undefined; region: string; why: string }): ClientSizeNotOfferedError {
  const option = CLIENT_SIZE_OPTIONS[field];
  const kind = field === 'ec2InstanceType' ? 'EC2 instance type' : 'Azure VM size';
  return new ClientSizeNotOfferedError(
    `the client's ${kind} ${what.size} (${chosenByOf(field, what.sizing)}) cannot be used in ${what.region}: ${what.why}; ` +
      `name a size that ${what.region} offers with platformOptions.${option} (fb run --platform-option ${CLI_OPTION[field]}=…)`,
  );
}

/** Where a check that could not be made is reported. */
export type SizeCheckWarning = (message: string) => void;

export const warnOnConsole: SizeCheckWarning = (message) => console.warn(message);
