/**
 * AzureRunCommandDriver against the fake ARM of test-support/fake-arm.ts, through the real
 * `@azure/arm-compute` client over https: the RunShellScript it sends (quoted plan URL, umask, systemd-run unit, agent command, never the secret), the Run Command LRO
 * followed to its final result, the "agent started" check, and the idempotent teardown; and once
 * end to end, with the fake VM running the scripts in /bin/sh and the plan fetched by real curl.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeArmClient, type FakeArm, type FakeRunCommand, runShellScriptOutput, startFakeArm } from '../../../test-support/fake-arm';
import type { AgentPlan } from '../../agent/plan';
import { shellQuote } from '../client/agent-commands';
import { AgentStartError, ClientBootError, ClientTeardownError } from '../errors';
import { installFakeSystemd } from '../../../test-support/fake-systemd';
import { MACHINE_BOOT_WAIT } from '../client/boot-script';
import type { BranchInput } from '../platform';
import { AzureRunCommandDriver, type AzureRunCommandDriverOptions } from './run-command-driver';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { saveAzureAgentLog } from '../../agent-logs/bucket-agent-log';
import { MachineClientDriver } from '../client/machine-client-driver';
import type { ClientMachine } from '../platform';

const RUN_ID = '1a2b3c4d-0000-4000-8000-00000000abcd';
const SECRET = 'cb-secret-Zx9q7-DO-NOT-LEAK';
const RG = 'fb-clients';
const VM = 'fb-client-1';
const PLAN_URL = `https://fbplans.blob.core.windows.net/plans/${RUN_ID}.json?sv=2024-11-04&se=2030-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=c2FzLXNpZ25hdHVyZQ%3D%3D`;

const plan: AgentPlan = {
  runId: RUN_ID,
  experiment: 'coldstart-identifier',
  params: { maxGapSeconds: 60 },
  quick: true,
  target: { platform: 'openfaas', gatewayUrl: 'https://gateway.example.com' },
  resultsLocation: 's3://fb-results/runs/x.arrow',
  callback: { url: 'https://cb.example.com/callback', runId: RUN_ID, secret: SECRET },
  heartbeatIntervalMs: 30_000,
};

const branch = (client?: Record<string, unknown>): BranchInput => ({
  run: { runId: RUN_ID, platform: 'openfaas' },
  experiment: 'coldstart-identifier',
  params: {},
  quick: true,
  platformOptions: {},
  ...(client ? { client } : {}),
});
/** The branch once the run's VM is up: its client names the VM (what AzureVmClientMachine.check answers). */
const onVm = () => branch({ kind: 'azure-vm', resourceGroup: RG, vmName: VM, ready: true });

const started = (runId = RUN_ID) => `Enable succeeded: \n[stdout]\nfaas-benchmarker agent started: run ${runId} pid 4242\n\n[stderr]\n`;

let fake: FakeArm;
beforeAll(async () => {
  fake = await startFakeArm();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.runCommands.length = 0;
  fake.setVm(RG, VM, 'running');
  fake.options.runCommandOutput = undefined;
  fake.options.runCommandStatus = undefined;
  fake.options.inProgressPolls = 1;
});

const planUrls: AgentPlan[] = [];
const driver = (options: Partial<AzureRunCommandDriverOptions> = {}) =>
  new AzureRunCommandDriver({
    compute: createFakeArmClient(fake),
    planUrlFor: async (p) => {
      planUrls.push(p);
      return PLAN_URL;
    },
    pollIntervalMs: 5,
    ...options,
  });

const vmPath = (action: string) => `/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${VM}/${action}`;

describe('startAgent', () => {
  it('sends exactly one RunShellScript that downloads the plan privately and starts the agent detached, without the secret', async () => {
    fake.options.runCommandOutput = () => started();
    fake.options.inProgressPolls = 3;
    planUrls.length = 0;
    await driver().startAgent(plan, onVm());

    expect(planUrls).toEqual([plan]);
    expect(fake.runCommands).toHaveLength(1);
    const command = fake.runCommands[0];
    expect(command).toMatchObject({ resourceGroup: RG, vmName: VM, input: { commandId: 'RunShellScript' } });
    const script = command?.input.script ?? [];
    const text = script.join('\n');
    expect(script).toContain('umask 077');
    expect(text).toContain(`curl -fsS --retry 3 --max-time 60 -o '/var/tmp/faas-benchmarker/fb-plan-${RUN_ID}.json.part' ${shellQuote(PLAN_URL)}`);
    expect(text).toContain(`chmod 600 '/var/tmp/faas-benchmarker/fb-plan-${RUN_ID}.json.part'`);
    // Its own transient unit: out of the VM agent's extension cgroup.
    expect(text).toMatch(new RegExp(`^systemd-run --unit='fb-agent-${RUN_ID}' --collect --quiet .*node bin/agent\\.js .*fb-plan-.*\\.json.*< /dev/null'$`, 'm'));
    expect(text).toContain('cd /opt/faas-benchmarker && node bin/agent.js');
    expect(text).toContain('systemctl show --property=MainPID --value');
    // the secret, and nothing else of the plan, is in what Azure receives
    const wire = JSON.stringify(fake.requests);
    expect(wire).not.toContain(SECRET);
    expect(wire).not.toContain(plan.callback.url);
    expect(wire).not.toContain('gateway.example.com');

    // the LRO was followed: POST, the operation polled until Succeeded, then the final result
    const runCommandRequests = fake.requests.filter((r) => r.method === 'POST');
    expect(runCommandRequests.map((r) => r.path)).toEqual([vmPath('runCommand')]);
    const polls = fake.requests.filter((r) => r.path.startsWith('/fake-operations/'));
    expect(polls.length).toBe(4);
    expect(fake.requests.at(-1)?.path).toMatch(/^\/fake-results\//);
  });

  it('uses the configured agent command', async () => {
    fake.options.runCommandOutput = () => started();
    await driver({ agentCommand: 'cd /srv/fb && /usr/bin/node bin/agent.js' }).startAgent(plan, onVm());
    expect(fake.runCommands[0]?.input.script?.join('\n')).toContain('cd /srv/fb && /usr/bin/node bin/agent.js');
  });

  it('fails with AgentStartError, without the URL query string, when the output lacks the "agent started" line', async () => {
    fake.options.runCommandOutput = () =>
      `Enable succeeded: \n[stdout]\n\n[stderr]\ncurl: (22) The requested URL returned error: 403 for ${PLAN_URL}\n`;
    const error = await driver().startAgent(plan, onVm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    const message = (error as Error).message;
    expect(message).toContain('agent did not start');
    expect(message).toContain('error: 403');
    expect(message).not.toContain('sig=');
    expect(message).not.toContain('c2FzLXNpZ25hdHVyZQ');
    expect(message).not.toContain(SECRET);
  });

  it('ends the run with ClientBootError and the boot script\'s reason when the VM did not boot', async () => {
    fake.options.runCommandOutput = () =>
      runShellScriptOutput('faas-benchmarker client boot failed: could not download https://nodejs.org/dist/v22.22.0/SHASUMS256.txt\n', '');
    const error = await driver({ bootWait: MACHINE_BOOT_WAIT }).startAgent(plan, onVm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientBootError);
    expect((error as Error).message).toBe(`run ${RUN_ID}: the client VM ${VM} did not boot: could not download https://nodejs.org/dist/v22.22.0/SHASUMS256.txt`);
    // The script waited for the boot script's markers before anything else.
    const text = fake.runCommands[0]?.input.script?.join('\n') ?? '';
    expect(text.indexOf('/opt/faas-benchmarker/.failed')).toBeGreaterThan(-1);
    expect(text.indexOf('/opt/faas-benchmarker/.failed')).toBeLessThan(text.indexOf('curl '));
  });

  it('fails with AgentStartError and the agent\'s log when the agent stopped as soon as it started', async () => {
    fake.options.runCommandOutput = () => runShellScriptOutput(`faas-benchmarker agent exited at start: run ${RUN_ID}; its log:\nagent: invalid plan\n`, '');
    const error = await driver().startAgent(plan, onVm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain(`the agent stopped as soon as it started on VM ${VM}; its log: agent: invalid plan`);
  });

  it('does not accept another run\'s "agent started" line', async () => {
    fake.options.runCommandOutput = () => started('some-other-run');
    await expect(driver().startAgent(plan, onVm())).rejects.toBeInstanceOf(AgentStartError);
  });

  it('fails with AgentStartError when the Run Command operation fails', async () => {
    fake.options.runCommandStatus = 'Failed';
    const error = await driver().startAgent(plan, onVm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain('start Run Command');
  });

  it('fails with AgentStartError when ARM refuses the Run Command (409 on a stopped VM, 500)', async () => {
    fake.setVm(RG, VM, 'deallocated');
    await expect(driver().startAgent(plan, onVm())).rejects.toBeInstanceOf(AgentStartError);
    fake.setVm(RG, VM, 'running');
    fake.failNext({ status: 500, method: 'POST' });
    await expect(driver().startAgent(plan, onVm())).rejects.toBeInstanceOf(AgentStartError);
  });

  it('fails with AgentStartError, redacted, when the plan URL cannot be made or carries the secret', async () => {
    const failing = driver({
      planUrlFor: async () => {
        throw new Error(`upload to https://x.blob.core.windows.net/p?sig=abc failed for ${SECRET}`);
      },
    });
    const error = await failing.startAgent(plan, onVm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).not.toContain('sig=abc');
    expect((error as Error).message).not.toContain(SECRET);
    await expect(driver({ planUrlFor: async () => `https://x/p?s=${SECRET}` }).startAgent(plan, onVm())).rejects.toBeInstanceOf(AgentStartError);
    expect(fake.runCommands).toHaveLength(0);
  });

  it('refuses a run id that is not a safe file name, before calling Azure', async () => {
    await expect(driver().startAgent({ ...plan, runId: '../etc/passwd' }, onVm())).rejects.toBeInstanceOf(AgentStartError);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a branch whose client names no VM, before making the plan URL or calling Azure', async () => {
    planUrls.length = 0;
    const error = await driver().startAgent(plan, branch()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain('no client VM is known');
    expect(planUrls).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('teardown', () => {
  it('sends the kill script for the run, on the provisioned VM, and can repeat it', async () => {
    const d = driver();
    await d.teardown(onVm());
    await d.teardown(onVm());
    expect(fake.runCommands).toHaveLength(2);
    for (const command of fake.runCommands) {
      expect(command).toMatchObject({ resourceGroup: RG, vmName: VM, input: { commandId: 'RunShellScript' } });
      expect(command.input.script).toEqual([
        `systemctl stop 'fb-agent-${RUN_ID}' 2>/dev/null || true`,
        `pkill -TERM -f 'fb-plan-${RUN_ID}\\.json'\\''?$' || true`,
        `echo 'faas-benchmarker agent log: run ${RUN_ID}'`,
        `tail -c 1000000 '/var/tmp/faas-benchmarker/fb-agent-${RUN_ID}.log' 2>/dev/null || true`,
        `rm -f '/var/tmp/faas-benchmarker/fb-plan-${RUN_ID}.json' '/var/tmp/faas-benchmarker/fb-plan-${RUN_ID}.json.part'`,
        `echo 'faas-benchmarker agent stopped: run ${RUN_ID}'`,
      ]);
    }
  });

  it('treats a missing VM (404) as torn down', async () => {
    fake.setVm(RG, VM, undefined);
    await expect(driver().teardown(onVm())).resolves.toBeUndefined();
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reports other failures as ClientTeardownError', async () => {
    fake.failNext({ status: 500, method: 'POST' });
    await expect(driver().teardown(onVm())).rejects.toBeInstanceOf(ClientTeardownError);
  });

  it('reports a branch whose client names no VM as ClientTeardownError, without calling Azure', async () => {
    await expect(driver().teardown(branch())).rejects.toThrow(/client teardown incomplete: kill: no client VM is known/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('end to end, the fake VM running the scripts with /bin/sh', () => {
  const work = mkdtempSync(join(tmpdir(), 'fb-azure-driver-'));
  // No systemd on the test machine: stand-ins that run the unit's command in the background.
  installFakeSystemd(join(work, 'bin'), join(work, 'systemd'));
  const env = { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}` };
  afterAll(() => {
    fake.options.runCommandOutput = undefined;
    rmSync(work, { recursive: true, force: true });
  });

  it('fetches the plan through its URL into a 0600 file, starts the agent, and teardown kills it', async () => {
    const runId = `e2e-${process.pid}-${Date.now()}`;
    const runPlan: AgentPlan = { ...plan, runId, callback: { ...plan.callback, runId } };
    const remoteDir = join(work, 'remote');
    // Plan storage: answers the plan only with the right "SAS" token.
    const storage = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.searchParams.get('sig') !== 'e2e-sig') return void res.writeHead(403).end('denied');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(runPlan));
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const planUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}/plans/${runId}.json?sv=1&sig=e2e-sig`;
    // A fake agent: records its argument, then waits to be killed (or gives up after 30 s).
    writeFileSync(join(work, 'agent.js'), `require('node:fs').writeFileSync(${JSON.stringify(join(work, 'agent-arg.txt'))}, process.argv[2]); setTimeout(() => process.exit(0), 30_000);`);
    fake.options.runCommandOutput = (command: FakeRunCommand) =>
      new Promise((resolve) => {
        execFile('/bin/sh', ['-c', (command.input.script ?? []).join('\n')], { timeout: 20_000, env }, (_error, stdout, stderr) => resolve(runShellScriptOutput(stdout, stderr)));
      });
    const d = driver({ planUrlFor: async () => planUrl, remoteDir, agentCommand: `cd '${work}' && '${process.execPath}' agent.js` });
    const running = () => spawnSync('pgrep', ['-f', `fb-plan-${runId}\\.json`], { encoding: 'utf8' }).stdout.trim();
    const e2eBranch = (client?: Record<string, unknown>) => ({ ...branch(client), run: { runId, platform: 'openfaas' } });
    const e2eVm = () => e2eBranch({ kind: 'azure-vm', resourceGroup: RG, vmName: VM, ready: true });
    try {
      await d.startAgent(runPlan, e2eVm());
      const planFile = join(remoteDir, `fb-plan-${runId}.json`);
      expect(statSync(planFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(planFile, 'utf8')).callback.secret).toBe(SECRET);
      const argFile = join(work, 'agent-arg.txt');
      for (let i = 0; i < 100 && !existsSync(argFile); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(readFileSync(argFile, 'utf8')).toBe(planFile);
      expect(running()).not.toBe('');
      expect(JSON.stringify(fake.requests)).not.toContain(SECRET);

      await d.teardown(e2eVm());
      for (let i = 0; i < 100 && running(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(running()).toBe('');
      expect(existsSync(planFile)).toBe(false);
      await d.teardown(e2eVm());

      // A plan URL the storage refuses: curl fails, the script stops, and the driver says so.
      const refused = driver({ planUrlFor: async () => planUrl.replace('e2e-sig', 'wrong'), remoteDir, agentCommand: 'false' });
      const error = await refused.startAgent(runPlan, e2eVm()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentStartError);
      expect((error as Error).message).toMatch(/curl/);
      expect((error as Error).message).not.toContain('sig=');
    } finally {
      spawnSync('pkill', ['-f', `fb-plan-${runId}\\.json`]);
      storage.close();
    }
  });
});

describe('teardown keeps the agent log (Run Command output) in the results bucket', () => {
  const s3Mock = mockClient(S3Client);
  const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } });
  const target = { bucket: 'fb-results', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000' };
  const keeping = (warnings: string[] = []) => driver({ saveAgentLog: (runId, output) => saveAzureAgentLog(s3, target, runId, output), onWarning: (message) => warnings.push(message) });
  const teardownOutput = `Enable succeeded: \n[stdout]\nfaas-benchmarker agent log: run ${RUN_ID}\nprobing function1\nfaas-benchmarker agent stopped: run ${RUN_ID}\n\n[stderr]\n`;
  beforeEach(() => s3Mock.reset());

  it('puts the teardown output, encrypted with the bucket key, at agent-logs/<runId>/azure-run-command.log', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    fake.options.runCommandOutput = () => teardownOutput;
    await keeping().teardown(onVm());
    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'fb-results', Key: `agent-logs/${RUN_ID}/azure-run-command.log`, Body: teardownOutput, ContentType: 'text/plain; charset=utf-8', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId },
    ]);
  });

  it('only warns when the log cannot be saved, and tears down', async () => {
    s3Mock.on(PutObjectCommand).rejects(new Error('AccessDenied: not allowed'));
    fake.options.runCommandOutput = () => teardownOutput;
    const warnings: string[] = [];
    await expect(keeping(warnings).teardown(onVm())).resolves.toBeUndefined();
    expect(fake.runCommands).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^run ${RUN_ID}: the agent's log \\(Run Command output\\) was not kept: .*AccessDenied`))]);
  });

  it('still deletes the machine when the Run Command that reads the log fails', async () => {
    fake.failNext({ status: 500, pathIncludes: '/runCommand' });
    const destroyed: string[] = [];
    const machine = { create: async () => ({}), check: async () => ({ ready: true }), destroy: async (input: BranchInput) => void destroyed.push(input.run.runId), removal: async () => ({ gone: true }) } as unknown as ClientMachine;
    await new MachineClientDriver(machine, keeping()).teardown(onVm());
    expect(destroyed).toEqual([RUN_ID]);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
