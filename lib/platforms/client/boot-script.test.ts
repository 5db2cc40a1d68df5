/**
 * The client machines' boot script, run for real by sh in a scratch directory with `curl` faked
 * (it serves files from a folder standing in for nodejs.org and S3): it checks the Node tarball
 * against its pinned SHA-256, installs it, downloads the agent bundle, checks that the bundle starts,
 * and only then writes the ready marker the agent command waits for.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE_FILE } from '../../agent/bundle';
import { clientBootScript, MACHINE_AGENT_COMMAND } from './boot-script';
import { CLIENT_NODE_RELEASE, type NodeRelease } from './node-release';

const VERSION = '22.99.0';
const TARBALL = `node-v${VERSION}-linux-x64.tar.gz`;
let scratch: string;
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A served folder with a fake Node release (its `bin/node` runs this Node) and the agent bundle; a PATH whose curl serves it. */
function world(options: { tamper?: boolean } = {}) {
  scratch = mkdtempSync(join(tmpdir(), 'fb-boot-'));
  const served = join(scratch, 'served');
  const release = join(scratch, 'release', `node-v${VERSION}-linux-x64`);
  mkdirSync(join(release, 'bin'), { recursive: true });
  writeFileSync(join(release, 'bin', 'node'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
  mkdirSync(served, { recursive: true });
  execFileSync('tar', ['-czf', join(served, TARBALL), '-C', join(scratch, 'release'), `node-v${VERSION}-linux-x64`]);
  const sha = createHash('sha256').update(readFileSync(join(served, TARBALL))).digest('hex');
  const nodeRelease: NodeRelease = { version: VERSION, tarballSha256: { x64: sha, arm64: '0'.repeat(64) } };
  if (options.tamper) writeFileSync(join(served, TARBALL), 'not the release');
  copyFileSync(AGENT_BUNDLE_FILE, join(served, 'agent.js'));
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  // curl -fsS … -o FILE URL: copy the served file named by the URL's last path segment.
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh\nout=''\nurl=''\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; --retry|--max-time) shift 2;; -*) shift;; *) url="$1"; shift;; esac; done\nname=$(basename "\${url%%\\?*}")\necho "$url" >> ${JSON.stringify(join(scratch, 'fetched'))}\ncp ${JSON.stringify(served)}/"$name" "$out"\n`,
  );
  chmodSync(join(bin, 'curl'), 0o755);
  const prefix = join(scratch, 'usr-local');
  const installDir = join(scratch, 'opt-fb');
  const script = clientBootScript({ agentBundleUrl: 'https://bucket.s3.amazonaws.com/assets/agent.js?X-Amz-Signature=abc', nodeRelease, prefix, installDir });
  const run = () => spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  return { run, prefix, installDir, fetched: () => readFileSync(join(scratch, 'fetched'), 'utf8').trim().split('\n') };
}

describe('clientBootScript', () => {
  it('installs the checked Node release and the agent bundle, checks the bundle starts, then marks the machine ready', () => {
    const { run, prefix, installDir, fetched } = world();
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/faas-benchmarker agent \d+\.\d+\.\d+/);
    expect(existsSync(join(prefix, 'bin', 'node'))).toBe(true);
    expect(existsSync(join(installDir, 'agent.js'))).toBe(true);
    expect(existsSync(join(installDir, '.ready'))).toBe(true);
    expect(existsSync(join(installDir, '.download'))).toBe(false);
    expect(fetched()).toEqual([
      `https://nodejs.org/dist/v${VERSION}/${TARBALL}`,
      'https://bucket.s3.amazonaws.com/assets/agent.js?X-Amz-Signature=abc',
    ]);
  });

  it('stops before installing anything when the tarball does not match its checksum', () => {
    const { run, prefix, installDir } = world({ tamper: true });
    const result = run();
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/FAILED/);
    expect(existsSync(join(prefix, 'bin', 'node'))).toBe(false);
    expect(existsSync(join(installDir, '.ready'))).toBe(false);
  });

  it('installs the pinned Node 22 LTS release, checked against the SHA-256 of the tarball for the machine architecture', () => {
    expect(Number(CLIENT_NODE_RELEASE.version.split('.')[0])).toBeGreaterThanOrEqual(22);
    for (const arch of ['x64', 'arm64'] as const) {
      const tarball = `node-v${CLIENT_NODE_RELEASE.version}-linux-${arch}.tar.gz`;
      const script = clientBootScript({ agentBundleUrl: 'https://x/agent.js', nodeArch: arch });
      expect(CLIENT_NODE_RELEASE.tarballSha256[arch]).toMatch(/^[0-9a-f]{64}$/);
      expect(script).toContain(`'https://nodejs.org/dist/v${CLIENT_NODE_RELEASE.version}/${tarball}'`);
      expect(script).toContain(`echo '${CLIENT_NODE_RELEASE.tarballSha256[arch]}  ${tarball}' | sha256sum -c -`);
      expect(script).not.toContain('SHASUMS256.txt');
    }
    expect(CLIENT_NODE_RELEASE.tarballSha256.x64).not.toBe(CLIENT_NODE_RELEASE.tarballSha256.arm64);
  });

  it('is what the agent command waits for before it starts the agent', () => {
    expect(MACHINE_AGENT_COMMAND).toContain('/opt/faas-benchmarker/.ready');
    expect(clientBootScript({ agentBundleUrl: 'https://x/agent.js' })).toContain("touch '/opt/faas-benchmarker/.ready'");
  });
});
