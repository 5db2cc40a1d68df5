import packageJson from '../package.json';

/** The project's version, read from package.json: what `fb --version`, run manifests and the local gateway report. */
export const FB_VERSION: string = packageJson.version;
