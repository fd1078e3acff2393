import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaths, planPieceSpace, sortByTreeOrder } from '../../src/metainfo/index.js';
import { throwsCode } from './helpers.js';

const PL = 16384;
const f = (path: string, length: number) => ({ path: path.split('/'), length });
const brief = (files: ReturnType<typeof planPieceSpace>) => files.map((x) => `${x.path.join('/')}@${x.offset}+${x.length}${x.pad ? 'p' : ''}`);

test('v1 keeps the caller order, files end to end', () => {
  const out = planPieceSpace([f('b', 10), f('a', 5), f('c/d', 0), f('e', 3)], PL, 'v1');
  assert.deepEqual(brief(out), ['b@0+10', 'a@10+5', 'c/d@15+0', 'e@15+3']);
});

test('v2 sorts by tree order and aligns non-empty files, with no padding entries', () => {
  const out = planPieceSpace([f('b', 10), f('a', PL), f('c/d', 0), f('c/e', PL + 1), f('z', 1)], PL, 'v2');
  assert.deepEqual(brief(out), ['a@0+16384', 'b@16384+10', 'c/d@32768+0', 'c/e@32768+16385', 'z@65536+1']);
});

test('hybrid pads every non-aligned file that a non-empty file follows', () => {
  const out = planPieceSpace([f('b', 10), f('a', PL), f('c/d', 0), f('c/e', PL + 1), f('z', 1)], PL, 'hybrid');
  assert.deepEqual(out.map((x) => x.path.join('/')), ['a', 'b', `.pad/${PL - 10}`, 'c/d', 'c/e', `.pad/${PL - 1}`, 'z']);
  assert.deepEqual(out.map((x) => x.offset), [0, PL, PL + 10, 2 * PL, 2 * PL, 3 * PL + 1, 4 * PL]);
  const pad = out[2];
  assert.equal(pad?.pad, true);
  assert.equal(pad?.attr, 'p');
});

test('zero-length files take no space; nothing pads the end', () => {
  assert.deepEqual(brief(planPieceSpace([f('a', 5), f('b', 0)], PL, 'hybrid')), ['a@0+5', 'b@5+0']);
  assert.deepEqual(brief(planPieceSpace([f('a', 5), f('b', 0), f('c', 0)], PL, 'v2')), ['a@0+5', 'b@5+0', 'c@5+0']);
  assert.deepEqual(brief(planPieceSpace([f('a', 0), f('b', 5)], PL, 'hybrid')), ['a@0+0', 'b@0+5']);
  assert.deepEqual(brief(planPieceSpace([f('a', 5), f('b', 0), f('c', 1)], PL, 'hybrid')), [
    'a@0+5',
    `.pad/${PL - 5}@5+${PL - 5}p`,
    `b@${PL}+0`,
    `c@${PL}+1`,
  ]);
  assert.deepEqual(brief(planPieceSpace([f('a', PL), f('b', 1)], PL, 'hybrid')), ['a@0+16384', 'b@16384+1']);
});

test('tree order compares UTF-8 bytes, not UTF-16 code units', () => {
  // U+FF01 is EF BC 81 in UTF-8, before F0 9F 98 80 (U+1F600), although its UTF-16 unit sorts after.
  const paths = [['😀'], ['\uFF01'], ['a'], ['B'], ['a', 'x'], ['a.txt'], ['é']];
  const sorted = sortByTreeOrder(paths.map((path) => ({ path }))).map((p) => p.path.join('/'));
  assert.deepEqual(sorted, ['B', 'a', 'a/x', 'a.txt', 'é', '\uFF01', '😀']);
  assert.ok(comparePaths(['\uFF01'], ['😀']) < 0);
  assert.ok(comparePaths(['a'], ['a', 'b']) < 0);
  assert.equal(comparePaths(['a', 'b'], ['a', 'b']), 0);
});

test('bad input is refused', () => {
  throwsCode(() => planPieceSpace([], PL, 'v1'), 'METAINFO_NO_FILES');
  throwsCode(() => planPieceSpace([f('a', 1)], 0, 'v1'), 'METAINFO_BAD_PIECE_LENGTH');
  throwsCode(() => planPieceSpace([f('a', 1)], 3 * 16384, 'v2'), 'METAINFO_BAD_PIECE_LENGTH');
  throwsCode(() => planPieceSpace([f('a', 1)], 8192, 'hybrid'), 'METAINFO_BAD_PIECE_LENGTH');
  planPieceSpace([f('a', 1)], 8192, 'v1');
  throwsCode(() => planPieceSpace([f('a', -1)], PL, 'v1'), 'METAINFO_BAD_BUILD_INPUT', 'files[0].length');
  throwsCode(() => planPieceSpace([f('a', 1.5)], PL, 'v1'), 'METAINFO_BAD_BUILD_INPUT');
  throwsCode(() => planPieceSpace([{ path: [], length: 1 }], PL, 'v1'), 'METAINFO_BAD_BUILD_INPUT');
  throwsCode(() => planPieceSpace([f('a', 1), f('a', 2)], PL, 'v2'), 'METAINFO_DUPLICATE_PATH');
  throwsCode(() => planPieceSpace([f('a', 1), f('a/b', 2)], PL, 'v2'), 'METAINFO_DUPLICATE_PATH');
  throwsCode(() => planPieceSpace([{ path: ['..', 'x'], length: 1 }], PL, 'v1'), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(() => planPieceSpace([f('a', Number.MAX_SAFE_INTEGER), f('b', 1)], PL, 'v1'), 'METAINFO_BAD_BUILD_INPUT');
});
