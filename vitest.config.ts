import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so a change needs no rebuild to be tested.
    alias: [
      {
        find: /^@pinterest-capi\/sdk\/browser$/,
        replacement: src('./packages/sdk/src/browser/index.ts'),
      },
      { find: /^@pinterest-capi\/sdk$/, replacement: src('./packages/sdk/src/index.ts') },
      { find: /^@pinterest-capi\/sandbox$/, replacement: src('./packages/sandbox/src/index.ts') },
      { find: /^@pinterest-capi\/relay$/, replacement: src('./packages/relay/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: {
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts'],
    },
  },
});
