module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'metering',
  rootDir: __dirname,
  // What every invoice is computed from, and the specification the ClickHouse queries must match:
  // every branch is tested, and CI fails the day one is not.
  collectCoverage: true,
  collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!**/*.spec.ts', '!<rootDir>/src/index.ts'],
  coverageDirectory: '<rootDir>/../../coverage/libs/metering',
  coverageThreshold: { global: { branches: 100, functions: 100, lines: 100, statements: 100 } },
};
