#!/usr/bin/env -S node --max-semi-space-size=64
// Ingest allocates many short-lived objects (decoded batches); a 64 MiB young generation cuts
// garbage collection enough to raise durable ingest by about a fifth (bench/ingest.mjs).
// Started as `node vigil-collector.js`, pass the flag yourself to get the same effect.
import '../dist/main.js';
