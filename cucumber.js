// Cucumber profiles. `default` runs the features quietly, `ci` is what `npm test` runs, `spec` is the main
// job (`npm run spec`) that writes every report into reports/, `dry` checks that every step is defined.
'use strict';
const common = {
  // transpile only: `npm test` type-checks the whole project first (tsc --noEmit)
  requireModule: ['ts-node/register/transpile-only'],
  require: ['steps/**/*.ts'],
  paths: ['features/**/*.feature'],
  worldParameters: {},
};
module.exports = {
  default: { ...common, format: ['progress'] },
  ci: { ...common, parallel: 2, format: ['progress', ['message', 'reports/ci-messages.ndjson']] },
  spec: {
    ...common,
    parallel: 2,
    format: [
      'summary',
      ['message', 'reports/messages.ndjson'],
      ['html', 'reports/cucumber.html'],
      ['junit', 'reports/junit.xml'],
      ['usage-json', 'reports/usage.json'],
    ],
    formatOptions: { junit: { suiteName: 'mmspec' } },
  },
  dry: { ...common, dryRun: true, format: [['message', 'reports/dry-run.ndjson']] },
};
