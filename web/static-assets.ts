/**
 * The UI's static files (web/static/: the stylesheet and the live-update script) served by the app
 * itself when it runs on a machine (`fb ui`). Deployed, CloudFront serves the same directory from
 * S3 under `/static/*` and the app is given no directory. The files are read once, when the app
 * is made, and only those names are served: no path from a request ever reaches the file system.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
}

/** Every file directly in `dir` with a known type, by file name. */
export function loadStaticAssets(dir: string): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (entry.isFile() && contentType) assets.set(entry.name, { body: readFileSync(join(dir, entry.name)), contentType });
  }
  return assets;
}
