// Replays every saved hostile input (hand-made and property-test counterexamples) through the
// decoders: each must decode or raise WireError, never anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeExtensionHandshake, decodeMessage, WireDecoder, WireError } from '../../src/wire/index.js';

const dir = 'test/fixtures/corpus/wire';

function wireErrorOrNothing(f: () => unknown, name: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof WireError, `${name}: ${String(e)}`);
  }
}

test('corpus inputs only ever raise WireError', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.bin'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const input = new Uint8Array(readFileSync(`${dir}/${f}`));
    for (const handshake of [true, false]) {
      wireErrorOrNothing(() => {
        const d = new WireDecoder({ handshake });
        for (let i = 0; i < input.length; i++) d.push(input.subarray(i, i + 1));
        d.end();
      }, f);
      wireErrorOrNothing(() => new WireDecoder({ handshake }).push(input), f);
    }
    wireErrorOrNothing(() => decodeMessage(input), f);
    wireErrorOrNothing(() => decodeExtensionHandshake(input), f);
  }
});
