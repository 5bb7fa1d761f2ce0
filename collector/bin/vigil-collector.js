#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 node --max-semi-space-size=32
// MALLOC_ARENA_MAX=2: glibc gives every thread that allocates (SQLite's connections run on libuv's
// pool, V8 has helpers) an arena of its own that it rarely returns; two arenas cut ~40 MiB of the
// collector's peak RSS under ingest (docs/storage.md, fourth pass). An environment variable, so it
// can only be set before node starts: here, or by whoever starts `node vigil-collector.js`.
// MALLOC_MMAP_THRESHOLD_=262144: blocks from 256 KiB (the pending log's slot pages, commit blobs) are
// mapped on their own and unmapped when freed. glibc otherwise raises that threshold to the largest
// block freed so far, and the log's pages given back after a peak stay in its arenas (docs/storage.md).
// Ingest allocates many short-lived objects (decoded batches); a 32 MiB young generation lets them
// die young. 64 MiB helped while batches were promoted waiting for their commit; now that they are
// compacted on arrival it only added ~100 MiB of RSS, 16 MiB saves nothing more (docs/storage.md).
// Started as `node vigil-collector.js`, pass the flag yourself to get the same effect.
import { setFlagsFromString } from 'node:v8';

// V8 lets the old generation grow to up to 4 times what survived the last full collection before the
// next one: under ingest that is a gigabyte of garbage (batches promoted while they waited for their
// commit). At most 1.5 times keeps the collector's peak RSS near half (docs/storage.md, issue 14).
// Set at run time, not on the command line: a V8 that no longer knows the flag ignores it.
setFlagsFromString('--heap-growing-percent=50');
await import('../dist/main.js');
