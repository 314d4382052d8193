import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A relative import that reaches one of our top-level folders other than `allowed`. */
const OURS_OUTSIDE = (allowed) =>
  `(^|/)(${['adapters', 'bin', 'cli', 'console', 'containers', 'core', 'lambdas', 'lib', 'scripts', 'test'].filter((d) => d !== allowed).join('|')})/`;

/** no-restricted-imports for one layer: relative imports matching `regex`, and the listed packages, are errors. */
const layer = (files, regex, packages, message) => [
  {
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex, message }, ...(packages.length ? [{ group: packages, message }] : [])] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'cdk.out/', 'node_modules/', 'coverage/', '.people-pathing/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The layers (README, Layout): core is the domain and imports no AWS SDK and nothing of ours outside core/;
  // adapters implement core's ports and import only core; lambdas, containers and cli are entry points that never
  // import each other (cli uses the engine only through its public API: containers/tracker/src/index.ts and the
  // render module's index). Code two entry points share (the stitcher, geometry, assignment) lives in core/.
  ...layer('core/**/*.ts', OURS_OUTSIDE('core'), ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '@middy/*', '@aws-lambda-powertools/*', 'onnxruntime-node'], 'core/ is the domain: no AWS SDK, no engine runtime, nothing of ours outside core/'),
  ...layer('adapters/**/*.ts', OURS_OUTSIDE('core'), [], 'adapters/ implement core\'s ports and import only core/'),
  ...layer('lambdas/**/*.ts', '(^|/)(cli|containers)/', [], 'lambdas/ never import cli/ or containers/ (shared domain code, such as the stitcher, lives in core/)'),
  ...layer('containers/**/*.ts', '(^|/)(lambdas|cli)/', [], 'containers/ never import lambdas/ or cli/'),
  ...layer('cli/**/*.ts', '(^|/)lambdas/|(^|/)containers/tracker/src/(?!(index|render/index)\\.js$)', [], 'cli/ never imports lambdas/, and uses the engine only through containers/tracker/src/index.ts (or render/index.ts)'),
  // The browser console is a room of its own (console/, its own tsconfig and build): it imports its own files and the
  // footfall analytics (core/analytics/, plain TypeScript with no I/O) and nothing else of ours, and no Node module.
  ...layer('console/**/*.ts', '(^|/)(adapters|bin|cli|containers|lambdas|lib|scripts|test)/|(^|/)core/(?!analytics/)', ['node:*', '@aws-sdk/*'], 'console/ is a browser app: only its own files and core/analytics/'),
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
