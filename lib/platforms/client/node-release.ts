/**
 * The Node.js release client machines install: a maintained LTS line pinned to one exact version,
 * with the SHA-256 of each Linux tarball the boot script may fetch, so a changed or substituted
 * download is refused before anything is unpacked.
 *
 * Source of the checksums: nodejs.org's SHASUMS256.txt for v22.20.0, as published (PGP-signed) in
 * the release announcement, the nodejs/nodejs.org repository (the blog post of release v22.20.0)
 * (https://nodejs.org/en/blog/release/v22.20.0); the same file is https://nodejs.org/dist/v22.20.0/SHASUMS256.txt.
 * To move to a newer release, copy both `linux-*.tar.gz` lines from that release's SHASUMS256.txt.
 */

/** CPU architecture of a client machine, in Node.js's tarball naming. */
export type NodeArch = 'x64' | 'arm64';

/** One exact Node.js release and the SHA-256 (hex) of its `node-v<version>-linux-<arch>.tar.gz` per architecture. */
export interface NodeRelease {
  version: string;
  tarballSha256: Record<NodeArch, string>;
}

/** Node.js 22 LTS ("Jod"), the release every client machine installs. */
export const CLIENT_NODE_RELEASE: NodeRelease = {
  version: '22.20.0',
  tarballSha256: {
    x64: 'eeaccb0378b79406f2208e8b37a62479c70595e20be6b659125eb77dd1ab2a29',
    arm64: '4181609e03dcb9880e7e5bf956061ecc0503c77a480c6631d868cb1f65a2c7dd',
  },
};

/** File name of a release's Linux tarball for one architecture. */
export function nodeTarballName(release: NodeRelease, arch: NodeArch): string {
  return `node-v${release.version}-linux-${arch}.tar.gz`;
}
