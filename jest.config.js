// Test tiers (STYLE.md): *.spec.ts unit, *.int-spec.ts against a real
// PostgreSQL, *.e2e-spec.ts whole apps over HTTP. `npm test` runs all three.
// Nest 12 is ESM-only; we load it through Node 24's require(esm), which Jest
// supports under --experimental-vm-modules (set by the npm scripts).
const shared = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: { ignoreCodes: [151002] } }] },
  moduleNameMapper: { '^@geode/(.*)$': '<rootDir>/libs/$1/src' },
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
};
const withPostgres = {
  globalSetup: '<rootDir>/test/support/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/postgres-global-teardown.ts',
};

module.exports = {
  testTimeout: 30_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...shared, ...withPostgres, displayName: 'int', testMatch: ['**/*.int-spec.ts'] },
    { ...shared, ...withPostgres, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'] },
  ],
};
