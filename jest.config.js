// Two projects: fast pure unit tests, and integration/e2e tests that talk to a real
// PostgreSQL (and real sockets). Global setup picks the database once per run.
const swc = ['@swc/jest', { swcrc: true }];
const moduleNameMapper = {
  '^@inbox/core$': '<rootDir>/libs/core/src',
  '^@inbox/core/(.*)$': '<rootDir>/libs/core/src/$1',
  '^@inbox/routing$': '<rootDir>/libs/routing/src',
  '^@inbox/routing/(.*)$': '<rootDir>/libs/routing/src/$1',
  '^@inbox/business-hours$': '<rootDir>/libs/business-hours/src',
  '^@inbox/business-hours/(.*)$': '<rootDir>/libs/business-hours/src/$1',
  '^@inbox/realtime-contract$': '<rootDir>/libs/realtime-contract/src',
  '^@inbox/channels$': '<rootDir>/libs/channels/src',
  '^@inbox/channels/(.*)$': '<rootDir>/libs/channels/src/$1',
  '^@inbox/realtime-contract/(.*)$': '<rootDir>/libs/realtime-contract/src/$1',
};
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j)s$': swc },
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  moduleNameMapper,
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/server/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
};
