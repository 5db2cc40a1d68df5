/**
 * How a client machine made for a run (an EC2 instance, an Azure VM: ClientMachine in
 * ../platform.ts) gets the agent: its boot script (cloud-init user data / custom data) installs
 * Node.js and the agent bundle, and the start command the drivers run waits for it to finish, or fails at once with its reason.
 */
import { type BootWait, shellQuote } from './agent-commands';
import { CLIENT_NODE_RELEASE, type NodeRelease, nodeTarballName } from './node-release';

/** Where the agent is installed on a client machine, and the command that starts it (plan file appended). */
export const AGENT_INSTALL_DIR = '/opt/faas-benchmarker';
/** Written by the boot script once the agent is installed and starts. */
export const AGENT_READY_MARKER = `${AGENT_INSTALL_DIR}/.ready`;
/** Written by the boot script when it fails, holding its reason (one line). */
export const AGENT_FAILED_MARKER = `${AGENT_INSTALL_DIR}/.failed`;
/** The installed agent; the start command (../client/agent-commands.ts) runs it as its own unit once the boot is done. */
export const MACHINE_AGENT_COMMAND = `/usr/local/bin/node ${AGENT_INSTALL_DIR}/agent.js`;
/**
 * What the start command waits for before it starts the agent: at most 240 s, well inside the
 * RunAgent task's 600 s heartbeat budget and the StartAgent Lambda's 600 s (the agent's first
 * heartbeat follows its start by a second).
 */
export const MACHINE_BOOT_WAIT: BootWait = { readyFile: AGENT_READY_MARKER, failedFile: AGENT_FAILED_MARKER, timeoutSeconds: 240 };

/**
 * The boot script of a client machine (cloud-init user data / custom data, a shell script run as
 * root): installs Node.js from the official tarball after checking it against the SHA-256 pinned
 * in {@link CLIENT_NODE_RELEASE} (or `nodeRelease`, for tests), downloads the agent bundle, checks that it starts, and writes the ready marker
 * the start command waits for. Any step that fails writes the failed marker with its reason (a
 * URL without its query string, never a signature) and stops, so the start command can fail at
 * once with that reason instead of the run waiting out its heartbeat. `nodeArch` is `x64` or
 * `arm64`. `prefix` and `installDir` are for tests (a scratch directory instead of `/usr/local`
 * and {@link AGENT_INSTALL_DIR}).
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
  const failed = shellQuote(`${dir}/.failed`);
  const orFail = (reason: string) => `|| fail ${shellQuote(reason)}`;
  const download = (url: string, file: string) =>
    `curl -fsS --retry 5 --max-time 300 -o ${shellQuote(file)} ${shellQuote(url)} ${orFail(`could not download ${url.split('?')[0]}`)}`;
  const work = `${dir}/.download`;
  return [
    '#!/bin/sh',
    'set -eu',
    `mkdir -p ${shellQuote(dir)}`,
    `rm -f ${failed} ${shellQuote(`${dir}/.ready`)}`,
    `fail() { printf '%s\n' "$1" > ${failed}; echo "faas-benchmarker boot failed: $1" >&2; exit 1; }`,
    // A step that fails without its own reason (set -e) still leaves one.
    `trap ${shellQuote(`code=$?; if [ $code -ne 0 ] && [ ! -f ${failed} ]; then echo "the boot script stopped (exit $code)" > ${failed}; fi`)} EXIT`,
    `mkdir -p ${shellQuote(work)}`,
    download(`${release}/${tarball}`, `${work}/${tarball}`),
    `(cd ${shellQuote(work)} && echo ${shellQuote(`${node.tarballSha256[arch]}  ${tarball}`)} | sha256sum -c -) ${orFail(`${tarball} does not match its pinned SHA-256`)}`,
    `mkdir -p ${shellQuote(prefix)}`,
    `tar -xzf ${shellQuote(`${work}/${tarball}`)} -C ${shellQuote(prefix)} --strip-components=1 ${orFail(`could not unpack ${tarball}`)}`,
    `rm -rf ${shellQuote(work)}`,
    download(options.agentBundleUrl, `${dir}/agent.js`),
    `${shellQuote(`${prefix}/bin/node`)} ${shellQuote(`${dir}/agent.js`)} --version ${orFail('the agent bundle does not start (node agent.js --version failed)')}`,
    `touch ${shellQuote(`${dir}/.ready`)}`,
    '',
  ].join('\n');
}
