#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point of the `shoal` command: the compiled CLI lives in dist/ (built by `npm install`).
// A 2 MiB young generation (instead of 16) keeps a download's memory under 128 MB: shoal's
// large buffers live outside the V8 heap, and its short-lived objects are few and small.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
