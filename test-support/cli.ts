/**
 * Running the real `fb` command (bin/fb.js, through tsx as a user runs it) from tests: a child
 * process in a given working directory, with no results location or deployment inherited from the
 * developer's shell unless the test passes one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const FB = join(__dirname, '..', 'bin', 'fb.js');

export interface FbResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of an `fb` child: this process's, without FB_DATABASE_URL, FB_RESULTS and FB_STATE_MACHINE_ARN, then `env`. */
export function fbEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, FB_DATABASE_URL: '', FB_RESULTS: '', FB_STATE_MACHINE_ARN: '', ...env };
}

/**
 * Run `fb …` in `cwd`; resolves with its exit code and output once it exits. `env` is added to
 * {@link fbEnv}'s, or, with `replaceEnv`, is the whole environment.
 */
export function runFb(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { replaceEnv?: boolean } = {}): Promise<FbResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FB, ...args], { cwd, env: options.replaceEnv ? env : fbEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
