// Flat config shared by every workspace; each workspace runs `eslint src test` from its folder.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/__generated__/**', '.stack/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true },
    },
    plugins: { 'import-x': importPlugin },
    rules: {
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'never',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      'import-x/no-default-export': 'error',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // domain/ is pure: no GraphQL, persistence or drivers (STYLE.md, rule 2).
    files: ['**/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/graphql/**', '**/persistence/**', '**/infra/**', '**/messaging/**'],
              message: 'domain/ must not depend on outer layers',
            },
            {
              group: [
                '@mikro-orm/*',
                'type-graphql',
                'graphql',
                'kafkajs',
                'ioredis',
                'mongodb',
                '@elastic/*',
                'mysql2*',
              ],
              message: 'domain/ must not import drivers or frameworks',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'import-x/no-default-export': 'off' },
  },
);
