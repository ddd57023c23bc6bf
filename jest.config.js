/** Jest in native ESM (Middy 6 is ESM-only), TypeScript through SWC. */
export default {
  // Node's, with each test's console held and shown in its failure when it fails (test/setup/quiet-environment.js).
  testEnvironment: '<rootDir>/test/setup/quiet-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The emulated-AWS tier needs moto_server: it runs with `npm run test:aws` (jest.aws.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/aws/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // A passing file prints nothing; failures and the totals as usual (test/setup/failures-reporter.js).
  reporters: ['<rootDir>/test/setup/failures-reporter.js', 'summary'],
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 20000,
};
