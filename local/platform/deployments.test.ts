import { describe, expect, it } from 'vitest';
import { bundlePath } from '../../lab-functions/build';
import { stackFunctions } from '../../lib/platforms/openfaas/stack-yml';
import { InvalidDeploymentError, resolveImage } from './deployments';

describe.concurrent('resolveImage: the image names a local platform deploys', () => {
  it("takes every image stack.yml names (registry and tag filled in) as that lab function's bundle, so faas-cli deploy -f stack.yml works against fb platform start", () => {
    for (const [name, spec] of Object.entries(stackFunctions())) {
      const image = spec.image.replace(/\$\{REGISTRY:-[^}]*\}/, 'registry.example.org:5000/team').replace(/\$\{TAG:-[^}]*\}/, 'v1');
      expect(resolveImage(image)).toBe(bundlePath('openfaas', name as never));
    }
  });

  it('refuses names that only resemble a lab function', () => {
    for (const image of ['faas-benchmarker-nginx:latest', 'other-function1:latest', 'file:/etc/passwd', '/tmp/faas-benchmarker-function1']) {
      expect(() => resolveImage(image), image).toThrow(InvalidDeploymentError);
    }
  });
});
