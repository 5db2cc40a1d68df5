/**
 * Where web/static/ is on this machine, for the edges that serve it themselves (`fb ui`, tests).
 * Its own module, so the UI Lambda's bundle (which leaves the files to CloudFront) never
 * evaluates a source-tree path.
 */
import { join } from 'node:path';

export const STATIC_DIR = join(__dirname, 'static');
