/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Type checking is done once by `npm run typecheck`; jest only transpiles.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/bin/", "/out/", "/dist/"],
  testTimeout: 30000,
  // The examples import the package by name, as a platform stack does.
  moduleNameMapper: { "^acs-ebpf$": "<rootDir>/components/index.ts" },
  // provider/package.json names the component provider "acs-ebpf" too (the Node.js host reads it):
  // keep it out of jest's package map so the name stays the library's.
  modulePathIgnorePatterns: ["<rootDir>/provider/package\\.json$"],
};
