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
  // Two cores, three workers: a workflow test's worker waits on its moto server (a process of its own) for about
  // half its time, so with two workers the cores sat idle for a fifth of the run. Measured on this machine, the
  // whole suite with the jest cache warm: 255 s with 2 workers, 191 s with 3 (each worker has its own moto).
  maxWorkers: 3,
  // The files that build the shared assemblies first, the files that only read them last (see the file).
  testSequencer: '<rootDir>/test/sequencer.js',
};
