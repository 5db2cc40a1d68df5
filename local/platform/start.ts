import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { buildFunctions, DEFAULT_OUT_DIR } from '../../lab-functions/build';
import { assertCpuShareSupported } from './cpu-pacer';
import { createGateway, type GatewayLimits } from './gateway';
import { type GatewayCredentials, newGatewayCredentials } from './gateway-guard';
import { type PlatformOptionsInput, resolvePlatformSettings } from './options';
import { LocalPlatform } from './platform';

/** A started local platform. */
export interface RunningPlatform {
  platform: LocalPlatform;
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** This start's credential for the `/system` routes that change what runs (deploy, update, remove, scale). */
  credentials: GatewayCredentials;
  /** Stop every instance, then the gateway. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions extends PlatformOptionsInput {
  /** Build the OpenFaaS bundles first (when false they must already exist). @default false */
  build?: boolean;
  /** Bundles of this program's own that the API may deploy, by exact image name. @default none */
  customImages?: ReadonlyMap<string, string>;
  /** Connection and slow-client limits of the gateway. @default DEFAULT_GATEWAY_LIMITS */
  gatewayLimits?: Partial<GatewayLimits>;
}

/**
 * Start the local FaaS platform in this process: the gateway on loopback and, unless told not
 * to, the four lab functions deployed. Instances start on the first request (or a scale call).
 */
export async function startLocalPlatform(options: StartOptions = {}): Promise<RunningPlatform> {
  const { build, customImages, gatewayLimits, ...platformOptions } = options;
  const settings = resolvePlatformSettings(platformOptions);
  assertCpuShareSupported(settings.cpuShare);
  if (build) await buildFunctions({ platforms: ['openfaas'], outDir: settings.bundleDir ?? DEFAULT_OUT_DIR });
  const platform = new LocalPlatform(settings, customImages);
  if (settings.deployLabFunctions) platform.deployLabFunctions();
  const credentials = newGatewayCredentials();
  const server = createGateway(platform, { credentials, ...(gatewayLimits ? { limits: gatewayLimits } : {}) });
  server.listen(settings.port, settings.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  platform.setGatewayUrl(url);

  // Last resort: a platform process that exits without stop() still takes its instances with it.
  const killOnExit = () => platform.killAll();
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      server.close();
      server.closeIdleConnections();
      await platform.shutdown();
      server.closeAllConnections();
      process.off('exit', killOnExit);
    })();
    return stopping;
  };
  return { platform, url, port, credentials, stop };
}
