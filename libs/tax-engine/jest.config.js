module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'tax-engine',
  rootDir: __dirname,
  // Every invoice's tax comes from this code: every branch is tested, and CI fails the day one is not.
  collectCoverage: true,
  collectCoverageFrom: [
    '<rootDir>/src/**/*.ts',
    '!**/*.spec.ts',
    '!<rootDir>/src/index.ts',
    '!<rootDir>/src/test/**',
  ],
  coverageDirectory: '<rootDir>/../../coverage/libs/tax-engine',
  coverageThreshold: { global: { branches: 100, functions: 100, lines: 100, statements: 100 } },
};
