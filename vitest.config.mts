import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';

// SWC instead of esbuild: NestJS constructor injection needs emitted decorator metadata.
export default defineConfig({
  plugins: [swc.vite({ jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true } } })],
  resolve: {
    // The proto package's entries from source: `@vigil/proto` (index.ts) and its subpaths (`@vigil/proto/agent`).
    alias: [
      { find: /^@vigil\/proto$/, replacement: fileURLToPath(new URL('./proto/src/index.ts', import.meta.url)) },
      { find: /^@vigil\/proto\/(.+)$/, replacement: fileURLToPath(new URL('./proto/src/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.spec.ts', '{proto,agent,collector}/src/**/*.spec.ts', '{agent,collector}/test/**/*.spec.ts', 'e2e/**/*.spec.ts', 'dashboards/**/*.spec.ts', 'charts/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
