/**
 * `npm run e2e`: the real Pulumi engine (tools/pulumi-engine), one scenario file after another.
 * Not part of `npm test` (the main config matches *.test.ts only); the engine is built before
 * jest starts (test/e2e/run.ts), so build time never counts against a test's timeout.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testMatch: ["<rootDir>/test/e2e/**/*.e2e.ts"],
  testTimeout: 600000,
  maxWorkers: 1,
};
