import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeLsdAnnounce, encodeLsdAnnounce, LsdError } from '../../../src/discovery/lsd/index.js';

function onlyOurErrors(input: Uint8Array): void {
  try {
    decodeLsdAnnounce(input);
  } catch (e) {
    if (!(e instanceof LsdError)) {
      const dir = 'test/fixtures/corpus/lsd';
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/prop-${Buffer.from(input.subarray(0, 8)).toString('hex')}.bin`, input);
      throw e;
    }
  }
}

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });
const announce = fc.record({
  host: printable,
  port: fc.integer({ min: 1, max: 65535 }),
  infoHashes: fc.uniqueArray(fc.uint8Array({ minLength: 20, maxLength: 20 }), { minLength: 1, maxLength: 20, selector: (h) => Buffer.from(h).toString('hex') }),
  cookie: fc.option(printable, { nil: undefined }),
});

test('decode(encode(a)) = a', () => {
  fc.assert(fc.property(announce, (a) => {
    const d = decodeLsdAnnounce(encodeLsdAnnounce(a));
    assert.equal(d.host, a.host);
    assert.equal(d.port, a.port);
    assert.equal(d.cookie, a.cookie);
    assert.deepEqual(d.infoHashes.map((h) => Buffer.from(h).toString('hex')), a.infoHashes.map((h) => Buffer.from(h).toString('hex')));
  }), { numRuns: 300 });
});

test('arbitrary, mutated and line-shaped garbage only raises LsdError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyOurErrors), { numRuns: 2000 });
  const mutated = fc.tuple(announce, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 5 }), fc.nat()).map(([a, edits, cut]) => {
    const w = encodeLsdAnnounce(a).slice();
    for (const [at, v] of edits) w[at % w.length] = v;
    return w.subarray(0, cut % (w.length + 1));
  });
  fc.assert(fc.property(mutated, onlyOurErrors), { numRuns: 2000 });
  const line = fc.constantFrom('BT-SEARCH * HTTP/1.1', 'Port: 1', 'Port: 99999', 'Port:', 'Infohash: ', `Infohash: ${'0'.repeat(40)}`, 'cookie: x', 'Host: y', '', ':', 'x');
  fc.assert(fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\r\n', '\n'), (ls, eol) => onlyOurErrors(new TextEncoder().encode(ls.join(eol)))), { numRuns: 2000 });
});
