/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  setupFiles: ['<rootDir>/local/polyfills.ts', '<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Step Functions stops a Map's queued iterations once one fails; the local
  // runner's limiter does the same (see local/stop-on-failure-limit.js).
  moduleNameMapper: { '^p-limit$': '<rootDir>/local/stop-on-failure-limit.js' },
  testTimeout: 60000,
  // Two cores: jest's default (cores - 1) would leave one idle. Three workers were tried: on a clean clone, where the
  // run is CPU-bound, 232 s against 231 s with two, so two (one moto server each) it stays.
  maxWorkers: 2,
  // The files that build the shared assemblies first, the files that only read them last (see the file).
  testSequencer: '<rootDir>/test/sequencer.js',
};
