import base from './jest.config.js';

/**
 * `npm run test:aws`: the emulated-AWS tier (test/aws; docs/deploy.md, "The emulator tier"). Each file
 * starts its own moto_server and deploys a stage to it, so files run one at a time.
 */
export default {
  ...base,
  roots: ['<rootDir>/test/aws'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
