// ESLint (flat config): typescript-eslint's recommended rules, Prettier for layout (eslint-config-prettier
// turns off every stylistic rule so the two never disagree), and import boundaries that encode the
// dependency direction of the monorepo:
//   libs/routing      pure: nothing of Nest, TypeORM, pg or Node I/O, no other lib but the contract and business-hours
//   libs/business-hours  pure the same way, and no other lib at all (routing, SLA, automation and webchat use it)
//   libs/core         never apps/ nor libs/channels
//   libs/channels     a channel never imports another channel (shared folders: meta, channel-events)
//   apps/web, widget  only the contract lib
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

const NODE_IO = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:dgram',
  'node:dns',
  'node:tls',
  'fs',
  'net',
  'http',
  'https',
  'child_process',
];
const SERVER_LIBS = [
  '@inbox/core',
  '@inbox/core/*',
  '@inbox/channels',
  '@inbox/channels/*',
  '@inbox/routing',
  '@inbox/routing/*',
  '@inbox/business-hours',
  '@inbox/business-hours/*',
];
const CHANNELS = ['api', 'email', 'slack', 'webchat', 'telegram', 'x', 'phone', 'whatsapp', 'messenger', 'instagram'];
const META_FAMILY = ['meta', 'whatsapp', 'messenger', 'instagram'];
const SHARED_CHANNEL_FOLDERS = ['channel-events'];

/** One block per channel folder: it may import shared folders (and, in the Meta family, its siblings), never another channel. */
const channelBoundaries = CHANNELS.concat('meta').map((kind) => {
  const allowed = new Set([...SHARED_CHANNEL_FOLDERS, ...(META_FAMILY.includes(kind) ? META_FAMILY : [])]);
  const forbidden = CHANNELS.concat('meta').filter((other) => other !== kind && !allowed.has(other));
  return {
    files: [`libs/channels/src/${kind}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: forbidden.map((o) => `../${o}/*`), message: 'a channel never imports another channel: go through core (ChannelRegistry, services) or a shared folder' },
          ],
        },
      ],
    },
  };
});

/**
 * Raw SQL returns a declared row type: `queryRows<ContactRow>(em, sql, params)` (libs/core/src/db/sql.ts) or
 * `em.query<Row[]>(...)`, never an untyped (`any`) result. A statement whose result is not read (`await em.query(...);`) needs none.
 */
const TYPED_SQL_ROWS = [
  {
    selector: "CallExpression[callee.property.name='query']:not([typeArguments]):not(ExpressionStatement > AwaitExpression > CallExpression)",
    message: 'declare the row type: queryRows<Row>(em, sql, params) from libs/core/src/db/sql.ts (or query<Row[]>)',
  },
  { selector: "CallExpression[callee.name='queryRows']:not([typeArguments])", message: 'declare the row type: queryRows<Row>(em, sql, params)' },
  {
    selector: "CallExpression:matches([callee.property.name='query'], [callee.name='queryRows']) > TSTypeParameterInstantiation TSAnyKeyword",
    message: 'a row type says which columns come back: no any',
  },
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/results/**', 'test-artifacts/**', '**/*.d.ts', 'apps/web/dist/**', 'apps/widget/dist/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // The code base uses `any` deliberately at a few untyped edges (raw SQL rows, socket payloads before validation).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      // Sanitisers and header checks match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}', 'apps/widget/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: SERVER_LIBS, message: 'clients import only the contract lib (@inbox/realtime-contract)' },
            {
              group: ['**/libs/core/**', '**/libs/channels/**', '**/libs/routing/**', '**/libs/business-hours/**', '@nestjs/*', 'typeorm'],
              message: 'clients import only the contract lib (libs/realtime-contract)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/routing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_IO.map((name) => ({ name, message: 'the routing engine is pure: no I/O' })),
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'pg-boss', 'socket.io', '@inbox/core', '@inbox/core/*', '@inbox/channels', '@inbox/channels/*'],
              message: 'the routing engine is pure: no Nest, no database, no other lib',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/business-hours/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_IO.map((name) => ({ name, message: 'business hours are pure: no I/O' })),
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'pg-boss', 'socket.io', '@inbox/*', '**/libs/**', '**/apps/**', '!@inbox/business-hours', '!@inbox/business-hours/*'],
              message: 'business hours are pure: no Nest, no database, no other lib',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@inbox/channels', '@inbox/channels/*', '**/apps/**', '**/libs/channels/**'], message: 'core depends on nothing above it: channels and apps depend on core' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts', 'apps/server/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/core/src/db/migrations/**'],
    rules: { 'no-restricted-syntax': ['error', ...TYPED_SQL_ROWS] },
  },
  ...channelBoundaries,
  {
    files: ['libs/realtime-contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@nestjs/*', 'typeorm', ...SERVER_LIBS, '**/libs/**', '**/apps/**'], message: 'the contract lib is shared by every client: it imports nothing' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
