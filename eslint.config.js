// Lint rules, including the import boundaries of the design (ARCHITECTURE.md §2):
// domain <- everything; vcs -> domain; hub -> domain, protocol, vcs; agent -> domain, protocol.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});
const outside = (dirs, why) => dirs.map((d) => ({ group: [`**/${d}/**`, `**/${d}`], message: why }));

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'web/**', 'coverage/**', 'migrations/**', '**/*.js', '**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Nest reads constructor parameter types at run time: type-only imports would erase them.
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict([
      ...outside(['hub', 'vcs', 'agent', 'cli', 'protocol'], 'domain/ is pure: it imports nothing of ours.'),
      {
        group: ['@nestjs/*', 'typeorm', 'pg', 'node:fs', 'node:child_process', 'node:net', 'node:http'],
        message: 'domain/ does no IO and knows no framework.',
      },
    ]),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict(outside(['hub', 'vcs', 'agent', 'cli'], 'protocol/ holds wire types only.')),
  },
  {
    files: ['src/vcs/**/*.ts'],
    rules: restrict([
      ...outside(['hub', 'agent', 'cli', 'protocol'], 'vcs/ depends on domain/ only.'),
      { group: ['@nestjs/*', 'typeorm'], message: 'vcs/ knows no framework.' },
    ]),
  },
  {
    files: ['src/hub/**/*.ts'],
    rules: restrict(outside(['agent', 'cli'], 'hub/ may use domain/, protocol/ and vcs/ only.')),
  },
  {
    files: [
      'src/hub/**/*.service.ts',
      'src/hub/**/*.controller.ts',
      'src/hub/**/*.guard.ts',
      'src/hub/**/*.dto.ts',
    ],
    rules: restrict([
      ...outside(['agent', 'cli'], 'hub/ may use domain/, protocol/ and vcs/ only.'),
      {
        group: ['typeorm', 'pg', '@nestjs/typeorm'],
        message: 'Only *.repository.ts files (and entities) touch the database.',
      },
    ]),
  },
  {
    // Generated from docs/openapi.json: the published types cli/ and web/ share with the hub.
    files: ['src/api-types/**/*.ts'],
    rules: restrict(
      outside(
        ['hub', 'vcs', 'agent', 'cli', 'protocol', 'domain'],
        'api-types/ is generated from the OpenAPI document alone.',
      ),
    ),
  },
  {
    files: ['src/agent/**/*.ts'],
    rules: restrict([
      ...outside(['hub', 'vcs', 'cli'], 'agent/ may use domain/ and protocol/ only.'),
      // Every module the agent imports stays resident in its 100 MiB budget (issue 24).
      {
        group: ['**/domain/render/render.js'],
        message:
          "the hub's render pipeline (YAML, patches): the agent needs domain/render/canonical-bundle.js only.",
      },
      {
        group: ['yaml'],
        allowTypeImports: true,
        message: 'an agent in its cluster parses no YAML: load it on first use (see cluster/kubeconfig.ts).',
      },
    ]),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(outside(['hub', 'vcs', 'agent'], 'cli/ speaks REST only.')),
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests and benchmarks read arbitrary JSON answers.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
