/**
 * The client machines' boot script, run for real by sh in a scratch directory with `curl` faked
 * (it serves files from a folder standing in for nodejs.org and S3): it checks the Node tarball
 * against its pinned SHA-256, installs it, downloads the agent bundle, checks that the bundle starts,
 * and only then writes the ready marker the start command waits for; a failed step leaves its
 * reason in the failed marker, which the start command prints as it stops.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE_FILE } from '../../agent/bundle';
import { startCommands } from './agent-commands';
import { clientBootScript, MACHINE_AGENT_COMMAND, MACHINE_BOOT_WAIT } from './boot-script';
import { CLIENT_NODE_RELEASE, type NodeRelease } from './node-release';
import { readStartOutput } from './start-output';

/** The release the fake world serves: a test version, its checksum computed from the tarball the test makes. */
const VERSION = '22.0.0-test';
const TARBALL = `node-v${VERSION}-linux-x64.tar.gz`;
let scratch: string;
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A served folder with a fake Node release (its `bin/node` runs this Node) and the agent bundle; a PATH whose curl serves it. */
function world(options: { tamper?: boolean; unreachable?: string } = {}) {
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
  // A file that cannot be fetched (nodejs.org unreachable): the fake curl's copy fails.
  if (options.unreachable) rmSync(join(served, options.unreachable));
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  // curl -fsS … -o FILE URL: copy the served file named by the URL's last path segment.
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh\nout=''\nurl=''\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; --retry|--max-time) shift 2;; -*) shift;; *) url="$1"; shift;; esac; done\nname=$(basename "\${url%%\\?*}")\necho "$url" >> ${JSON.stringify(join(scratch, 'fetched'))}\ncp ${JSON.stringify(served)}/"$name" "$out" 2>/dev/null || { echo "curl: (6) Could not resolve host" >&2; exit 6; }\n`,
  );
  chmodSync(join(bin, 'curl'), 0o755);
  const prefix = join(scratch, 'usr-local');
  const installDir = join(scratch, 'opt-fb');
  const script = clientBootScript({ agentBundleUrl: 'https://bucket.s3.amazonaws.com/assets/agent.js?X-Amz-Signature=abc', nodeRelease, prefix, installDir });
  const run = () => spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  return { run, prefix, installDir, script, fetched: () => readFileSync(join(scratch, 'fetched'), 'utf8').trim().split('\n') };
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

  it('stops before installing anything when the tarball does not match its checksum, and leaves that reason', () => {
    const { run, prefix, installDir } = world({ tamper: true });
    const result = run();
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/FAILED/);
    expect(existsSync(join(prefix, 'bin', 'node'))).toBe(false);
    expect(existsSync(join(installDir, '.ready'))).toBe(false);
    expect(readFileSync(join(installDir, '.failed'), 'utf8')).toBe(`${TARBALL} does not match its pinned SHA-256\n`);
  });

  it('leaves the failed download as its reason, which the start command then prints as it exits non-zero', () => {
    const { run, installDir } = world({ unreachable: TARBALL });
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`faas-benchmarker boot failed: could not download https://nodejs.org/dist/v${VERSION}/${TARBALL}`);
    expect(existsSync(join(installDir, '.ready'))).toBe(false);

    const start = startCommands({
      runId: 'run-1',
      planUrl: 'https://example.com/plan.json',
      agentCommand: MACHINE_AGENT_COMMAND,
      remoteDir: join(installDir, 'remote'),
      bootWait: { ...MACHINE_BOOT_WAIT, readyFile: join(installDir, '.ready'), failedFile: join(installDir, '.failed') },
    });
    const started = spawnSync('sh', ['-c', start.join('\n')], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 20_000 });
    expect(started.status).toBe(3);
    expect(readStartOutput('run-1', started.stdout)).toEqual({ kind: 'boot-failed', reason: `could not download https://nodejs.org/dist/v${VERSION}/${TARBALL}` });
  });

  it('never puts the bundle URL\'s signature in its reason', () => {
    const { run, installDir } = world({ unreachable: 'agent.js' });
    expect(run().status).not.toBe(0);
    expect(readFileSync(join(installDir, '.failed'), 'utf8')).toBe('could not download https://bucket.s3.amazonaws.com/assets/agent.js\n');
  });

  it('leaves a reason even for a step that fails without one of its own', () => {
    const { script, installDir } = world();
    // The prefix cannot be made: a file stands where its directory should go.
    writeFileSync(join(scratch, 'usr-local'), 'in the way');
    const result = spawnSync('sh', ['-c', script], { env: { PATH: `${join(scratch, 'bin')}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(readFileSync(join(installDir, '.failed'), 'utf8')).toMatch(/^the boot script stopped \(exit \d+\)\n$/);
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

  it('writes the markers the start command waits for, a wait that fits well inside the 600 s heartbeat budget', () => {
    const script = clientBootScript({ agentBundleUrl: 'https://x/agent.js' });
    expect(MACHINE_BOOT_WAIT).toMatchObject({ readyFile: '/opt/faas-benchmarker/.ready', failedFile: '/opt/faas-benchmarker/.failed' });
    expect(script).toContain("touch '/opt/faas-benchmarker/.ready'");
    expect(script).toContain("> '/opt/faas-benchmarker/.failed'");
    expect(MACHINE_BOOT_WAIT.timeoutSeconds).toBeLessThanOrEqual(300);
  });
});
