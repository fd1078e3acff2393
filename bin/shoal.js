#!/usr/bin/env -S node --max-semi-space-size=2 --optimize-for-size
// Entry point of the `shoal` command: the compiled CLI lives in dist/ (built by `npm install`).
// A 2 MiB young generation (instead of 16) keeps a download's memory under 128 MB: shoal's
// large buffers live outside the V8 heap, and its short-lived objects are few and small.
// --optimize-for-size makes V8 grow the old generation in smaller steps: without it, what the
// small young generation promotes piles up between full collections and a download's heap grew
// from ~10 to ~25 MiB over 4 GiB (peak RSS 113-122 MB at 4 GiB against ~104 at 1 GiB); with it
// 99-103 MB at 4 GiB, at the same CPU time.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
