module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pricing',
  rootDir: __dirname,
  // Every invoice depends on this code: every branch is tested, and CI fails the day one is not.
  collectCoverage: true,
  collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!**/*.spec.ts', '!<rootDir>/src/index.ts'],
  coverageDirectory: '<rootDir>/../../coverage/libs/pricing',
  coverageThreshold: { global: { branches: 100, functions: 100, lines: 100, statements: 100 } },
};
