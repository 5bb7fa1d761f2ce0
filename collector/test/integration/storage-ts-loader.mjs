// Node module hooks that run the collector's TypeScript sources directly (via SWC, already a dev
// dependency for vitest), so a child process in a test exercises src/, not a stale build.
// Usage: node --import ./storage-ts-loader.mjs child.ts
import { register } from 'node:module';

register('./storage-ts-hooks.mjs', import.meta.url);
