/**
 * The errors every platform's provisioner and client raise on purpose, named once. The
 * RunExperiment state machine matches them by name (`ErrorEquals`): ProvisionTransientError is
 * retried by ProvisionFunctions, CheckFunctionsReady, ProvisionClient and CheckClientReady; the
 * others fail the branch, which then tears down. Messages never carry a secret (callers redact).
 */

/** A failure worth retrying: throttling, a 5xx, a network error (see aws/transient.ts, azure/transient.ts). */
export class ProvisionTransientError extends Error {
  override name = 'ProvisionTransientError';
}

/** The functions cannot be provisioned: a refusal, a bad setting, a missing output. */
export class ProvisionFailedError extends Error {
  override name = 'ProvisionFailedError';
}

/** The client machine cannot take an agent (not made, not managed, offline, not allowed). */
export class ClientUnavailableError extends Error {
  override name = 'ClientUnavailableError';
}

/** The agent could not be handed its plan or started. */
export class AgentStartError extends Error {
  override name = 'AgentStartError';
}

/** Some parts of the client teardown failed; the message lists each of them. */
export class ClientTeardownError extends Error {
  override name = 'ClientTeardownError';
}

/**
 * The client machine's boot script failed (a download, a checksum, the agent bundle that would not
 * start), so the agent was never started; the message carries the boot script's own reason.
 */
export class ClientBootError extends Error {
  override name = 'ClientBootError';
}

/**
 * The region of a run's client machine does not offer the size the run would make it with (EC2
 * lists no offering of the instance type there; Azure lists no such VM size there, or restricts it
 * for the subscription). Raised by ValidateInput, before anything is made; the message names the
 * size, who chose it, the region and how to choose another.
 */
export class ClientSizeNotOfferedError extends Error {
  override name = 'ClientSizeNotOfferedError';
}
