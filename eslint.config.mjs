// Flat ESLint config: type-aware typescript-eslint plus Nx module boundaries.
// The boundaries are real: domain libs may import only other domain libs and
// none of the I/O or framework packages; see docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

const IO_AND_FRAMEWORK = [
  '@nestjs/*',
  'nats',
  'ioredis',
  'pg',
  'kysely',
  '@clickhouse/client',
  'chdb',
  'pino',
  '@opentelemetry/*',
  'fastify',
];

// Production code may not import the test helpers; tests in every project may.
function boundaries(inTests) {
  const testing = inTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      {
        sourceTag: 'type:domain',
        onlyDependOnLibsWithTags: ['type:domain', ...testing],
        bannedExternalImports: IO_AND_FRAMEWORK,
      },
      {
        sourceTag: 'type:contracts',
        onlyDependOnLibsWithTags: ['type:domain', ...testing],
        bannedExternalImports: IO_AND_FRAMEWORK,
      },
      {
        sourceTag: 'type:platform',
        onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:domain', ...testing],
      },
      {
        sourceTag: 'type:testing',
        onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:domain'],
      },
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:domain', ...testing],
      },
      {
        sourceTag: 'type:e2e',
        onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:domain', 'type:testing'],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', '.mu/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // Decorated Nest classes are injected by type; an inline `type` import would erase the token.
    files: ['apps/**/*.ts', 'libs/platform/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['apps/cli/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(true)],
      // Tests inspect JSON answers, which are untyped by nature.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'no-console': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // End-to-end specs run several apps in one process, so they, and only they, may import an
    // app's modules (Nx forbids importing apps from anywhere else).
    files: ['e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { ...boundaries(true), allow: ['^\\.\\./\\.\\./apps/[a-z-]+/src/[a-z./-]+$'] },
      ],
    },
  },
);
