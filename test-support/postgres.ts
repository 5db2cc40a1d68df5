/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb into a temporary directory,
 * start on 127.0.0.1 and a free port with trust authentication and durability off (fsync,
 * synchronous_commit, full_page_writes), and `stop()` it (immediate shutdown) and delete the
 * directory afterwards. About 0.6 s to start.
 *
 * The server binaries come from `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin
 * (Debian's layout), else `initdb` on the PATH. `postgres` refuses to run as root, so as root
 * every server command runs as the `postgres` user through `runuser`, and the directory is
 * handed to that user. Servers still running when the process exits are stopped.
 *
 * No vitest import: bench/ uses this too.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  url: string;
  port: number;
  /** Where initdb, pg_ctl and psql are. */
  binDir: string;
  /** The temporary directory (data in `data/`, log in `log`, socket here). */
  dir: string;
  /** Stop the server (immediate shutdown) and delete its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export class PostgresNotInstalledError extends Error {
  override name = 'PostgresNotInstalledError';
  constructor() {
    super(
      'no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin, or initdb on the PATH); ' +
        '.ci/run installs them (apt-get install -y postgresql); install them the same way to run these tests',
    );
  }
}

/** The directory holding initdb, pg_ctl and postgres. */
export function findPostgresBinDir(): string {
  const hasServer = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dir && hasServer(dir)) return dir;
  } catch {
    // No pg_config (or a broken one).
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+(\.\d+)?$/.test(name) && hasServer(path.join(debian, name, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && hasServer(dir)) return dir;
  }
  throw new PostgresNotInstalledError();
}

const isRoot = () => process.getuid?.() === 0;

/** Run a server command, as the `postgres` user when we are root. */
function serverCommand(binDir: string, command: string, args: string[]): [string, string[]] {
  const file = path.join(binDir, command);
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

async function serverRun(binDir: string, command: string, args: string[], timeoutMs: number): Promise<void> {
  const [file, argv] = serverCommand(binDir, command, args);
  try {
    await run(file, argv, { timeout: timeoutMs });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} failed: ${(stderr || stdout || (error as Error).message).trim()}`);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const running = new Set<{ stopSync(): void }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of running) server.stopSync();
  });
}

/** Start a fresh, empty server. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const binDir = findPostgresBinDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fb-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'log');
  try {
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      await chown(dir, uid, gid);
    }
    await serverRun(binDir, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], 60_000);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await serverRun(binDir, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', 'start', '-o', options], 40_000);
      break;
    } catch (error) {
      // Another process may have taken the port between freePort and the bind: try another.
      const text = await readFile(log, 'utf8').catch(() => '');
      if (attempt < 3 && /could not bind|Address already in use/i.test(text)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}\n${text.slice(-2000)}`);
    }
  }

  let stopped = false;
  const handle = {
    stopSync() {
      if (stopped) return;
      stopped = true;
      running.delete(handle);
      try {
        const [file, argv] = serverCommand(binDir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(handle);
  installExitHook();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    binDir,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(handle);
      await serverRun(binDir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], 30_000).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
