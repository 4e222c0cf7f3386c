// One jest run over every workspace. TypeScript is compiled by swc (no type-check here:
// `tsc -b` does that before the tests), and workspace imports resolve to their sources.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/test/**/*.test.ts'],
  // client/test/*.test.ts are browser end-to-end tests (playwright-core); client/src is Vite's.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/client/src/'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@ko/platform$': '<rootDir>/packages/platform/src/index.ts',
    '^@ko/platform/testing$': '<rootDir>/packages/platform/src/testing/index.ts',
    '^@ko/platform/deployment$': '<rootDir>/packages/platform/src/deployment/index.ts',
    // Every other subpath is one module (package.json "./*"): from its source too, or a class
    // such as DomainError would be loaded twice and `instanceof` fail across the copies.
    '^@ko/platform/(.+)$': '<rootDir>/packages/platform/src/$1.ts',
  },
  testTimeout: 60_000,
  maxWorkers: 2,
};
