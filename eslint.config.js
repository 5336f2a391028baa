// Lint rules, including the layer boundaries of shared DESIGN.md:
// protocol ← gan ← data ← worker, and ui sees only protocol (plus the worker by URL).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** Forbids importing the named layers (by path segment) from files in one layer. */
function layerBoundary(files, forbidden, extraPatterns = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((layer) => ({
              group: [`**/${layer}/**`, `../${layer}`, `./${layer}`],
              message: `This layer may not import src/${layer} (see DESIGN.md: one-way layers).`,
            })),
            ...extraPatterns,
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'bench/gpu/dist/', 'node_modules/', 'test-results/', 'test-results-*/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Type-aware rules: every .ts/.tsx file belongs to one of the tsconfig projects (ui, worker, node),
    // so the project service finds its types. A promise nobody awaits loses its failure silently, and an
    // async handler given to React or addEventListener rejects into nowhere; a union switch missing a
    // case compiles but drops the new message or state.
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  layerBoundary(['src/protocol/**'], ['gan', 'data', 'worker', 'ui'], [{ group: ['@tensorflow/*'], message: 'The protocol is plain data: no tfjs.' }]),
  layerBoundary(['src/gan/**'], ['data', 'worker', 'ui']),
  layerBoundary(['src/data/**'], ['worker', 'ui']),
  layerBoundary(['src/worker/**'], ['ui']),
  layerBoundary(['src/ui/**', 'src/main.tsx'], ['gan', 'data', 'worker'], [
    { group: ['@tensorflow/*'], message: 'The page never runs tfjs; training and previews run in the worker.' },
  ]),
);
