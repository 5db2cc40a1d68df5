/**
 * The agent's start and teardown scripts, run for real with /bin/sh: the quoting, the 0600 plan
 * file, the agent started as its own unit (systemd-run and systemctl faked: test-support/fake-systemd.ts),
 * the wait for the boot script that fails fast with its reason, and the teardown.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installFakeSystemd } from '../../../test-support/fake-systemd';
import { agentStartedPattern, shellQuote, startCommands, teardownCommands } from './agent-commands';
import { readStartOutput } from './start-output';

/** Stands in for the agent's plan: the script only downloads it. */
const plan = { experiment: 'coldstart-identifier', callback: { url: 'https://cb.example.com/callback', secret: 'cb-secret-Zx9q7-DO-NOT-LEAK' } };

describe('shellQuote', () => {
  const nasty = [
    '',
    'plain',
    "it's",
    "''",
    "'\\''",
    'a b\tc\nd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${x} is the point
    '$HOME `id` $(id) ${x}',
    '"double" \\ backslash \\\\',
    '; rm -rf / #',
    '&& || | > < * ? [a] ~ !',
    'https://b.s3.amazonaws.com/plans/x.json?X-Amz-Algorithm=AWS4&X-Amz-Signature=ab%2Fcd&x=1',
    '-n',
    'ünïcødé ✓ \u{1F600}',
    '\r\x01\x7f',
  ];

  it.each(nasty.map((value) => [JSON.stringify(value), value]))('round-trips %s through /bin/sh', (_label, value) => {
    const printed = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
    expect(printed).toBe(value);
  });

  it('keeps several quoted words apart', () => {
    const words = ["a'b", 'c d', ''];
    const printed = execFileSync('/bin/sh', ['-c', `printf '<%s>' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(printed).toBe("<a'b><c d><>");
  });

  it('refuses a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });
});

describe('the commands, run by /bin/sh', () => {
  const work = mkdtempSync(join(tmpdir(), 'fb-agent-commands-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('download the plan 0600 into a private dir, start the agent detached, and teardown kills it', async () => {
    const runId = `e2e-${process.pid}-${Date.now()}`;
    const remoteDir = join(work, "remote dir with 'quote'");
    const bin = join(work, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    // A fake curl: records its URL, then writes the plan source to the -o file.
    const source = join(work, 'plan-source.json');
    writeFileSync(source, JSON.stringify({ ...plan, runId }));
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh\nout=''\nwhile [ $# -gt 1 ]; do if [ "$1" = -o ]; then out=$2; shift; fi; shift; done\nprintf %s "$1" > ${shellQuote(join(work, 'url.txt'))}\ncat ${shellQuote(source)} > "$out"\n`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    const { callsFile } = installFakeSystemd(bin, join(work, 'systemd'));
    // A fake agent: records its argument, then waits to be killed (or gives up after 30 s).
    const agentJs = join(work, 'agent.js');
    writeFileSync(
      agentJs,
      `console.log('fake agent probing'); require('node:fs').writeFileSync(${JSON.stringify(join(work, 'agent-arg.txt'))}, process.argv[2]); setTimeout(() => process.exit(0), 30_000);`,
    );
    const url = 'https://fb-plans.s3.eu-west-1.amazonaws.com/plans/x.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc$def&x=`id`';
    const script = startCommands({ runId, planUrl: url, agentCommand: `cd ${shellQuote(work)} && ${shellQuote(process.execPath)} agent.js`, remoteDir }).join('\n');
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    const started = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env, timeout: 10_000 });
    expect(started.status).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`^faas-benchmarker agent started: run ${runId} pid \\d+\\n$`));
    expect(agentStartedPattern(runId).exec(started.stdout)?.[1]).toMatch(/^\d+$/);
    expect(agentStartedPattern('other-run').test(started.stdout)).toBe(false);
    expect(readFileSync(join(work, 'url.txt'), 'utf8')).toBe(url);
    expect(readStartOutput(runId, started.stdout)).toMatchObject({ kind: 'started' });
    // Its own transient unit, so never the cgroup of the SSM or Azure agent that ran the script.
    expect(readFileSync(callsFile, 'utf8')).toMatch(new RegExp(`^systemd-run --unit=fb-agent-${runId} --collect --quiet --property=UMask=0077 /bin/sh -c `, 'm'));

    const planFile = join(remoteDir, `fb-plan-${runId}.json`);
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    expect(statSync(remoteDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(planFile, 'utf8')).runId).toBe(runId);
    const argFile = join(work, 'agent-arg.txt');
    for (let i = 0; i < 100 && !existsSync(argFile); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(argFile, 'utf8')).toBe(planFile);
    const running = () => spawnSync('pgrep', ['-f', `fb-plan-${runId}\\.json`], { encoding: 'utf8' }).stdout.trim();
    expect(running()).not.toBe('');

    const stopped = spawnSync('/bin/sh', ['-c', teardownCommands({ runId, remoteDir }).join('\n')], { encoding: 'utf8', env, timeout: 10_000 });
    expect(stopped.status).toBe(0);
    // The agent's log (what it printed) comes between the two lines.
    // (What a stopped shell adds to the log after the agent's own lines, e.g. "Terminated", may differ by load.)
    expect(stopped.stdout).toMatch(new RegExp(`^faas-benchmarker agent log: run ${runId}\\nfake agent probing\\n(.*\\n)*faas-benchmarker agent stopped: run ${runId}\\n$`));
    for (let i = 0; i < 100 && running(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running()).toBe('');
    expect(existsSync(planFile)).toBe(false);
    // Running it again (the Teardown state retries) is harmless.
    expect(spawnSync('/bin/sh', ['-c', teardownCommands({ runId, remoteDir }).join('\n')], { env }).status).toBe(0);
  });
});

describe.concurrent('the start command, run by /bin/sh, on a machine whose boot or agent failed', () => {
  const work = mkdtempSync(join(tmpdir(), 'fb-agent-start-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const bin = join(work, 'bin');
  installFakeSystemd(bin, join(work, 'systemd'));
  writeFileSync(join(bin, 'curl'), `#!/bin/sh\nwhile [ $# -gt 1 ]; do if [ "$1" = -o ]; then out=$2; shift; fi; shift; done\necho '{}' > "$out"\n`, { mode: 0o755 });
  const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
  const run = (name: string, options: { markers: 'failed' | 'none' | 'ready'; agentCommand?: string; timeoutSeconds?: number }) => {
    const dir = join(work, name);
    execFileSync('mkdir', ['-p', dir]);
    if (options.markers === 'failed') writeFileSync(join(dir, '.failed'), 'could not download https://nodejs.org/dist/v22.0.0/SHASUMS256.txt\n');
    if (options.markers === 'ready') writeFileSync(join(dir, '.ready'), '');
    const script = startCommands({
      runId: name,
      planUrl: 'https://example.com/plan.json',
      agentCommand: options.agentCommand ?? 'sleep 30',
      remoteDir: join(dir, 'remote'),
      bootWait: { readyFile: join(dir, '.ready'), failedFile: join(dir, '.failed'), timeoutSeconds: options.timeoutSeconds ?? 30 },
    }).join('\n');
    return spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env, timeout: 20_000 });
  };

  it('stops at once with the boot script\'s reason, before fetching the plan', () => {
    const t0 = Date.now();
    const result = run('boot-failed', { markers: 'failed' });
    expect(result.status).toBe(3);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(readStartOutput('boot-failed', result.stdout)).toEqual({ kind: 'boot-failed', reason: 'could not download https://nodejs.org/dist/v22.0.0/SHASUMS256.txt' });
    expect(existsSync(join(work, 'boot-failed', 'remote'))).toBe(false);
  });

  it('gives up, saying so, when the boot script never finished', () => {
    const result = run('boot-silent', { markers: 'none', timeoutSeconds: 1 });
    expect(result.status).toBe(3);
    expect(readStartOutput('boot-silent', result.stdout)).toEqual({ kind: 'boot-failed', reason: 'the boot script had not finished after 1 s' });
  });

  it('fails, printing the agent\'s log, when the agent stops as soon as it starts', () => {
    const result = run('agent-exits', { markers: 'ready', agentCommand: "echo 'agent: invalid plan'; exit 2; :" });
    expect(result.status).toBe(4);
    expect(readStartOutput('agent-exits', result.stdout)).toEqual({ kind: 'agent-exited', log: 'agent: invalid plan' });
  });
});
