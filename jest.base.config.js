// Shared jest settings: the project is ESM TypeScript; ts-jest transpiles (type-checking is `npm run typecheck`).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testTimeout: 120000,
  // No test reaches the internet for a model; models come from PEOPLE_PATHING_MODELS_DIR (test/fixtures/test-env.ts).
  setupFiles: ['<rootDir>/test/fixtures/test-env.ts'],
};
