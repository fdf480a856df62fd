/**
 * `npm run test:integration`: the tests that need root, a C compiler and util-linux setpriv (the
 * fake pod confined to real capability bounding sets, the connect tap compiled and preloaded).
 * Not part of `npm test` (the main config matches *.test.ts only); test/integration/run.ts checks
 * the prerequisites before jest starts.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testMatch: ["<rootDir>/test/**/*.integration.ts"],
  testTimeout: 30000,
  // provider/package.json names the component provider "acs-ebpf" too: keep it out of jest's package map.
  modulePathIgnorePatterns: ["<rootDir>/provider/package\\.json$"],
};
