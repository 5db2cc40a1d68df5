/**
 * The project's dependency rules (issue: one home per concept), checked in `npm test` by
 * lib/dependency-rules.test.ts. Shared contracts live in lib/; the application folders build on
 * them and never on each other in the directions forbidden here.
 */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-no-application',
      comment: 'lib/ holds the shared contracts and building blocks; it imports nothing from the programs built on it (the experiment catalog aside).',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/experiment/catalog\\.ts$' },
      to: { path: '^(bin|lambdas|local|client-agent|experiments|web)/' },
    },
    {
      name: 'web-imports-no-program',
      comment: 'The web UI is one app for `fb ui` and the UI Lambda: it builds on lib/ and is configured by them, never importing either (or the local control plane).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(bin|lambdas|local|client-agent|experiments)/' },
    },
    {
      name: 'agent-imports-no-control-plane',
      comment: 'The client agent runs on a client machine: nothing from the Lambdas, the local control plane or the CLI.',
      severity: 'error',
      from: { path: '^client-agent/' },
      to: { path: '^(lambdas|local|bin)/' },
    },
    {
      name: 'lab-functions-self-contained',
      comment: 'Lab functions are deployed to FaaS platforms on their own: nothing from outside lab-functions/.',
      severity: 'error',
      from: { path: '^lab-functions/' },
      to: { path: '^(bin|lib|lambdas|local|client-agent|experiments|test-support|bench|state-machines)/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out|\\.fb|coverage)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
