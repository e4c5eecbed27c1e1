// Shared jest settings for every project. Type checking is its own target
// (`typecheck`), so ts-jest only transpiles here and tests start fast.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  // @fastify/static (the /docs UI) requires content-disposition 3, which ships ES modules only;
  // jest runs CommonJS, so that one package is transpiled.
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  transform: {
    '/node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true }, diagnostics: false },
    ],
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.base.json'), diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: `${__dirname}/` }),
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/test/**/*.int-spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  setupFiles: [path.join(__dirname, 'tools/jest/load-stack-env.js')],
  // Integration specs share real servers; each file isolates itself (own databases, streams, key prefixes).
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.js')],
  testTimeout: 30000,
};
