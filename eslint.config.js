// The linter npm test runs: typescript-eslint's recommended rules over the daemon, its tests and the
// self-service page; prettier holds the layout, so no style rule is set here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/requests/generated/', 'bench/results/', 'var/', '.tmp/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Input checks match control characters on purpose (a name or a header must not hold one).
      'no-control-regex': 'off',
      // `_name` says "left out on purpose" (a secret dropped from a copy, a type parameter only inferred).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['src/api/self-service/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  {
    // JSON from outside the type system: tests read answers, migrations run on yesterday's schema
    // (Kysely's documented `Kysely<any>`), the CLI prints what the API answered, the OpenAPI document is walked.
    files: ['test/**', 'bench/**', 'src/store/migrations*.ts', 'src/cli/**', 'src/api/openapi.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
