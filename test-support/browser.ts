/**
 * Debian's Chromium driven by playwright-core, for the report and web UI tests. `.ci/run` installs
 * the `chromium` package when it is missing; `npx playwright install` is never used (it downloads a
 * browser, which this project's machines cannot). The flags keep the browser from reaching the
 * network on its own (updates, sync, QUIC); `--no-sandbox` because CI runs as root.
 *
 * Screenshots go to `test-output/screenshots/` at the repository root (git-ignored), one PNG per
 * page a test looked at, so a failing UI can be seen after the run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian installs the browser; `FB_CHROMIUM` overrides it for other machines. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.FB_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: apt-get install -y chromium (or set FB_CHROMIUM)`);
  return path;
}

/** Launch a headless Chromium; close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export const SCREENSHOT_DIR = resolve(__dirname, '..', 'test-output', 'screenshots');

/** Save a full-page screenshot of `page` as `<name>.png` in {@link SCREENSHOT_DIR}; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
