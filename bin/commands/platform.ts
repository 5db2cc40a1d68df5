import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { findGatewayCredentials, removeGatewayCredentials, writeGatewayCredentials } from '../../local/platform/credentials-file';
import { formatDurationMs, parseDurationMs, parseSignedDurationMs } from '../../local/platform/duration';
import type { PlatformEvent } from '../../local/platform/events';
import { PROFILE_NAMES, type PlatformSettings } from '../../local/platform/options';
import { startLocalPlatform } from '../../local/platform/start';

/** `fb platform start`: the local FaaS platform in the foreground until Ctrl-C. */
export function registerPlatformCommands(program: Command): void {
  const platform = program.command('platform').description('the local FaaS platform (the embedded default)');
  platform
    .command('start')
    .description('start the local FaaS platform (OpenFaaS gateway API) with the lab functions deployed')
    .option('--port <port>', 'gateway port on 127.0.0.1 (0 = any free port)', parseIntegerOption, 8080)
    .addOption(new Option('--profile <profile>', 'scaling model to mimic').choices(PROFILE_NAMES).default('lambda'))
    .option('--idle-timeout <duration>', 'evict an instance idle this long', parseDurationOption, parseDurationMs('10m'))
    .option('--max-lifetime <duration>', 'retire an instance this old', parseDurationOption, parseDurationMs('2h'))
    .option('--max-instances <n>', "most live instances per function (default: half the machine's memory at 43 MiB each, at most 1000)", parseIntegerOption)
    .option('--concurrency-per-instance <n>', "requests one instance serves at once (default: the profile's)", parseIntegerOption)
    .option('--scale-out-interval <duration>', "least time between two scale-outs of a function (default: the profile's)", parseDurationOption)
    .option('--init-delay <duration>', 'extra start-up delay of each new instance', parseDurationOption, 0)
    .option('--clock-skew <duration>', "shift every instance's clock by this much (e.g. -250ms)", parseSignedDurationOption, 0)
    .option('--init-delay-per-mb <duration>', "extra start-up delay of each new instance per MB of its function's bundle, on top of --init-delay", parseDurationOption, 0)
    .option('--cpu-share <fraction>', 'the fraction of one core each instance may use (more than 0, at most 1)', parseFractionOption, 1)
    .option('--no-deploy', 'start with no functions deployed')
    .option('--verbose', "print the instances' own output")
    .action(async (options: PlatformStartOptions) => {
      await runPlatform(options);
    });
  platform
    .command('credential')
    .description("print the password of a running local platform's /system API (user admin), e.g. for curl -u \"admin:$(npx fb platform credential)\"")
    .option('--port <port>', 'the platform\'s gateway port', parseIntegerOption, 8080)
    .action((options: { port: number }) => {
      const credentials = findGatewayCredentials(stateDir(), `http://127.0.0.1:${options.port}`);
      if (!credentials) throw new Error(`no local platform started from this directory is listening on port ${options.port} (fb platform start --port ${options.port})`);
      console.log(credentials.password);
    });
}

/** The project's state directory in the working directory (the results store's too). */
function stateDir(): string {
  return join(process.cwd(), '.fb');
}

interface PlatformStartOptions {
  port: number;
  profile: (typeof PROFILE_NAMES)[number];
  idleTimeout: number;
  maxLifetime: number;
  maxInstances?: number;
  concurrencyPerInstance?: number;
  scaleOutInterval?: number;
  initDelay: number;
  clockSkew: number;
  initDelayPerMb: number;
  cpuShare: number;
  deploy: boolean;
  verbose?: boolean;
}

async function runPlatform(options: PlatformStartOptions): Promise<void> {
  const running = await startLocalPlatform({
    port: options.port,
    profile: options.profile,
    idleTimeoutMs: options.idleTimeout,
    maxLifetimeMs: options.maxLifetime,
    maxInstances: options.maxInstances,
    concurrencyPerInstance: options.concurrencyPerInstance,
    scaleOutIntervalMs: options.scaleOutInterval,
    initDelayMs: options.initDelay,
    clockSkewMs: options.clockSkew,
    initDelayPerMbMs: options.initDelayPerMb,
    cpuShare: options.cpuShare,
    deployLabFunctions: options.deploy,
    logInstanceOutput: options.verbose ?? false,
    build: true,
  });
  const { settings } = running.platform;
  const credentialsFile = writeGatewayCredentials(stateDir(), running.url, running.port, running.credentials);
  console.log(`local FaaS platform listening on ${running.url}`);
  console.log(describeSettings(settings));
  const deployed = running.platform.list().map((fn) => fn.name);
  console.log(deployed.length ? `deployed: ${deployed.join(', ')}` : 'no functions deployed');
  if (deployed.includes('function1')) {
    console.log(`try:  curl -X POST ${running.url}/function/function1 -d '{"sleep":0.1}'`);
  }
  // The password itself is not printed (terminal scroll-back and logs keep it); fb commands read the file.
  console.log(`/system changes (deploy, update, remove, scale) need basic auth: user ${running.credentials.user}, password in ${credentialsFile}`);
  console.log(`  e.g. curl -u "admin:$(npx fb platform credential --port ${running.port})" -X POST ${running.url}/system/scale-function/function1 -H 'content-type: application/json' -d '{"replicas":1}'`);
  console.log('press Ctrl-C to stop');
  running.platform.events.subscribe((event) => console.log(formatEvent(event)));

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.log(`${signal}: stopping ${running.platform.instances().length} instance(s)…`);
      removeGatewayCredentials(stateDir(), running.port);
      running.stop().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  console.log('stopped');
}

function describeSettings(settings: PlatformSettings): string {
  return [
    `profile ${settings.profile}`,
    `idle timeout ${formatDurationMs(settings.idleTimeoutMs)}`,
    `max lifetime ${formatDurationMs(settings.maxLifetimeMs)}`,
    `max instances ${settings.maxInstances}`,
    `${settings.concurrencyPerInstance} request(s) per instance`,
    `scale-out interval ${formatDurationMs(settings.scaleOutIntervalMs)}`,
    `init delay ${formatDurationMs(settings.initDelayMs)}${settings.initDelayPerMbMs ? ` + ${formatDurationMs(settings.initDelayPerMbMs)} per MB of bundle` : ''}`,
    ...(settings.clockSkewMs ? [`clock skew ${settings.clockSkewMs} ms`] : []),
    ...(settings.cpuShare < 1 ? [`CPU share ${settings.cpuShare} of a core per instance`] : []),
    `when busy: ${settings.whenBusy}`,
  ].join(', ');
}

function formatEvent(event: PlatformEvent): string {
  const time = new Date(event.at).toISOString().slice(11, 23);
  const subject = event.instance ?? event.function;
  const extra = [
    event.reason,
    event.type === 'instance-ready' && event.durationMs !== undefined ? `started in ${formatDurationMs(event.durationMs)}` : undefined,
    event.type === 'instance-evicted' && event.durationMs !== undefined && event.reason === 'idle-timeout' ? `idle ${formatDurationMs(event.durationMs)}` : undefined,
    event.detail,
  ].filter(Boolean);
  return `${time} ${event.type.padEnd(17)} ${subject}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** A duration parser as a commander option parser: its error becomes commander's one-line usage error. */
function asOption(parse: (value: string) => number): (value: string) => number {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

const parseDurationOption = asOption(parseDurationMs);
const parseSignedDurationOption = asOption(parseSignedDurationMs);

function parseIntegerOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`"${value}" is not a non-negative integer`);
  return parsed;
}

/** A fraction of one core: more than 0 and at most 1. */
function parseFractionOption(value: string): number {
  const parsed = Number(value);
  if (!value.trim() || !(parsed > 0 && parsed <= 1)) throw new InvalidArgumentError(`"${value}" is not a fraction of one core (more than 0, at most 1)`);
  return parsed;
}
