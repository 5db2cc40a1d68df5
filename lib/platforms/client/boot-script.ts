/**
 * How a client machine made for a run (an EC2 instance, an Azure VM: ClientMachine in
 * ../platform.ts) gets the agent: its boot script (cloud-init user data / custom data) installs
 * Node.js and the agent bundle, and the agent command the drivers run waits for it to finish.
 */
import { shellQuote } from './agent-commands';
import { CLIENT_NODE_RELEASE, type NodeRelease, nodeTarballName } from './node-release';

/** Where the agent is installed on a client machine, and the command that starts it (plan file appended). */
export const AGENT_INSTALL_DIR = '/opt/faas-benchmarker';
export const AGENT_READY_MARKER = `${AGENT_INSTALL_DIR}/.ready`;
/** Waits (at most 10 minutes) for the boot script's ready marker, then runs the agent. */
export const MACHINE_AGENT_COMMAND = `i=0; while [ ! -f ${AGENT_READY_MARKER} ] && [ $i -lt 120 ]; do i=$((i+1)); sleep 5; done; /usr/local/bin/node ${AGENT_INSTALL_DIR}/agent.js`;

/**
 * The boot script of a client machine (cloud-init user data / custom data, a shell script run as
 * root): installs Node.js from the official tarball after checking it against the SHA-256 pinned
 * in {@link CLIENT_NODE_RELEASE} (or `nodeRelease`, for tests), downloads the agent bundle, checks that it starts, and writes the ready marker
 * the agent command waits for. `nodeArch` is `x64` or `arm64`. `prefix` and `installDir` are for
 * tests (a scratch directory instead of `/usr/local` and {@link AGENT_INSTALL_DIR}).
 */
export function clientBootScript(options: {
  agentBundleUrl: string;
  nodeRelease?: NodeRelease;
  nodeArch?: 'x64' | 'arm64';
  prefix?: string;
  installDir?: string;
}): string {
  const node = options.nodeRelease ?? CLIENT_NODE_RELEASE;
  const arch = options.nodeArch ?? 'x64';
  const tarball = nodeTarballName(node, arch);
  const release = `https://nodejs.org/dist/v${node.version}`;
  const prefix = options.prefix ?? '/usr/local';
  const dir = options.installDir ?? AGENT_INSTALL_DIR;
  const download = (url: string, file: string) => `curl -fsS --retry 5 --max-time 300 -o ${shellQuote(file)} ${shellQuote(url)}`;
  const work = `${dir}/.download`;
  return [
    '#!/bin/sh',
    'set -eu',
    `mkdir -p ${shellQuote(work)}`,
    download(`${release}/${tarball}`, `${work}/${tarball}`),
    `(cd ${shellQuote(work)} && echo ${shellQuote(`${node.tarballSha256[arch]}  ${tarball}`)} | sha256sum -c -)`,
    `mkdir -p ${shellQuote(prefix)}`,
    `tar -xzf ${shellQuote(`${work}/${tarball}`)} -C ${shellQuote(prefix)} --strip-components=1`,
    `rm -rf ${shellQuote(work)}`,
    download(options.agentBundleUrl, `${dir}/agent.js`),
    `${shellQuote(`${prefix}/bin/node`)} ${shellQuote(`${dir}/agent.js`)} --version`,
    `touch ${shellQuote(`${dir}/.ready`)}`,
    '',
  ].join('\n');
}
