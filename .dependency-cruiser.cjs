// The project's layering, checked on every `npm run lint` (and so in CI): no import cycles at
// all (type-only imports count too), workflows and the policy do no I/O, the API and everything
// else see the workflows only through their contracts, and the product never reaches into the
// development stand-ins or the tests.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Files that import each other (directly or through others) cannot be understood, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'deterministic-code-does-no-io',
      severity: 'error',
      comment:
        'Workflows run in the deterministic sandbox, and the policy is pure: no Node built-ins, no I/O packages.',
      from: { path: '^(workflows|src/policy)/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '^(node:)?(fs|net|http|https|child_process|crypto|os|path|stream|dns|tls|dgram|zlib|worker_threads)$|node_modules/(express|stripe|@slack|nodemailer|smtp-server|mailparser|@temporalio/(client|worker|activity|testing))/',
      },
    },
    {
      name: 'deterministic-code-calls-activities-by-proxy',
      severity: 'error',
      comment:
        'Workflows and the policy reach activities only through proxyActivities (type imports), and never the API, integrations, config or dev/.',
      from: { path: '^(workflows|src/policy)/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '^(activities|src/(api|integrations|config|security|observability)|dev)/',
      },
    },
    {
      name: 'outside-sees-workflow-contracts-only',
      severity: 'error',
      comment:
        'Only the worker (which bundles them) and tests that run workflows import workflow implementations; the rest use workflows/contracts.ts.',
      from: { path: '^(src|activities|dev|scripts|bench)/', pathNot: '^src/worker\\.ts$' },
      to: {
        path: '^workflows/',
        pathNot: '^workflows/(contracts|case-view)\\.ts$|^workflows/[a-z-]+/(contract|state)\\.ts$',
      },
    },
    {
      name: 'activities-never-import-the-api',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'product-never-imports-dev-or-tests',
      severity: 'error',
      comment: 'Stand-ins and test helpers are not part of the production build.',
      from: { path: '^(src|workflows|activities)/' },
      to: { path: '^(dev|test|scripts|bench)/' },
    },
    {
      name: 'bench-never-imports-tests',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|dist-prod|node_modules|\\.venv|\\.tools)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
