/**
 * A client machine made for one run (ARCHITECTURE.md §4, ProvisionClient): an EC2 instance when
 * the functions are on Azure, an Azure VM when they are on AWS Lambda or OpenFaaS. The agent
 * driver (SSM Run Command, Azure Run Command) then starts the agent on it.
 *
 * Every method gets the branch's state as the state machine keeps it (`input.client` holds what
 * `create` and the last `check` answered), and nothing depends on memory between calls: each
 * step may run in a different Lambda. Answers end up in the Step Functions execution history,
 * so they never hold a secret.
 */
import type { BranchInput, ReadinessCheck } from '../steps';

export interface ClientMachine {
  /**
   * Start making the machine and return at once (no waiting for it to boot); idempotent per run,
   * so a retried ProvisionClient makes no second machine. Answers `{ kind, …, ready: false }`.
   */
  create(input: BranchInput): Promise<Record<string, unknown>>;
  /**
   * Polled by the state machine's Wait + Choice loop: `ready: true` (with what the agent driver
   * needs to reach it, e.g. `instanceId`, or `resourceGroup` + `vmName`) once the machine is up
   * and takes commands (SSM `Online`, the Azure VM agent `Ready`): the agent command itself waits
   * for the boot script to finish installing; `failed: true` with a reason when it
   * never will; else `ready: false`.
   */
  check(input: BranchInput): Promise<ReadinessCheck>;
  /** Delete the machine and everything made with it; idempotent, and a machine already gone is fine. Does not wait. */
  destroy(input: BranchInput): Promise<void>;
}

/**
 * How a new client machine gets the agent: a URL it can GET the agent bundle from
 * (`dist/agent/agent.js`, one file, needs only Node 20), made fresh for each machine (e.g. a
 * presigned S3 GET valid for an hour). The machine downloads it at boot into
 * `/opt/faas-benchmarker/agent.js`.
 */
export type AgentBundleUrl = () => Promise<string>;

/** Where the agent is installed on a client machine, and the command that starts it (plan file appended). */
export const AGENT_INSTALL_DIR = '/opt/faas-benchmarker';
export const AGENT_READY_MARKER = `${AGENT_INSTALL_DIR}/.ready`;
/** Waits (at most 10 minutes) for the boot script's ready marker, then runs the agent. */
export const MACHINE_AGENT_COMMAND = `i=0; while [ ! -f ${AGENT_READY_MARKER} ] && [ $i -lt 120 ]; do i=$((i+1)); sleep 5; done; /usr/local/bin/node ${AGENT_INSTALL_DIR}/agent.js`;

/**
 * The boot script of a client machine (cloud-init user data / custom data, a shell script run as
 * root): installs Node.js from the official tarball after checking it against the release's
 * SHASUMS256.txt, downloads the agent bundle, checks that it starts, and writes the ready marker
 * the agent command waits for. `nodeArch` is `x64` or `arm64`. `prefix` and `installDir` are for
 * tests (a scratch directory instead of `/usr/local` and {@link AGENT_INSTALL_DIR}).
 */
export function clientBootScript(options: {
  agentBundleUrl: string;
  nodeVersion?: string;
  nodeArch?: 'x64' | 'arm64';
  prefix?: string;
  installDir?: string;
}): string {
  const version = options.nodeVersion ?? '20.20.2';
  const arch = options.nodeArch ?? 'x64';
  const tarball = `node-v${version}-linux-${arch}.tar.gz`;
  const release = `https://nodejs.org/dist/v${version}`;
  const prefix = options.prefix ?? '/usr/local';
  const dir = options.installDir ?? AGENT_INSTALL_DIR;
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const download = (url: string, file: string) => `curl -fsS --retry 5 --max-time 300 -o ${quote(file)} ${quote(url)}`;
  const work = `${dir}/.download`;
  return [
    '#!/bin/sh',
    'set -eu',
    `mkdir -p ${quote(work)}`,
    download(`${release}/SHASUMS256.txt`, `${work}/SHASUMS256.txt`),
    download(`${release}/${tarball}`, `${work}/${tarball}`),
    `(cd ${quote(work)} && grep " ${tarball}$" SHASUMS256.txt | sha256sum -c -)`,
    `mkdir -p ${quote(prefix)}`,
    `tar -xzf ${quote(`${work}/${tarball}`)} -C ${quote(prefix)} --strip-components=1`,
    `rm -rf ${quote(work)}`,
    download(options.agentBundleUrl, `${dir}/agent.js`),
    `${quote(`${prefix}/bin/node`)} ${quote(`${dir}/agent.js`)} --version`,
    `touch ${quote(`${dir}/.ready`)}`,
    '',
  ].join('\n');
}
