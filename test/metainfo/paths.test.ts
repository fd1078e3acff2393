import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUniquePaths, isPortablePath, MAX_PATH_DEPTH, safePath, sanitizeComponent } from '../../src/metainfo/index.js';
import { throwsCode } from './helpers.js';

test('traversal and absolute components are rejected', () => {
  throwsCode(() => safePath(['..'], 'p'), 'METAINFO_PATH_TRAVERSAL', 'p[0]');
  throwsCode(() => safePath(['a', '..', 'b'], 'p'), 'METAINFO_PATH_TRAVERSAL', 'p[1]');
  throwsCode(() => safePath(['a', '.'], 'p'), 'METAINFO_PATH_TRAVERSAL', 'p[1]');
  throwsCode(() => safePath(['/etc'], 'p'), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(() => safePath(['\\windows'], 'p'), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(() => safePath(['a/../../x'], 'p'), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(() => safePath(['a\\..\\x'], 'p'), 'METAINFO_PATH_TRAVERSAL');
});

test('malformed paths are rejected', () => {
  throwsCode(() => safePath([], 'p'), 'METAINFO_BAD_PATH', 'p');
  throwsCode(() => safePath(['a', ''], 'p'), 'METAINFO_BAD_PATH', 'p[1]');
  throwsCode(() => safePath(['a\0b'], 'p'), 'METAINFO_BAD_PATH');
  throwsCode(() => safePath(['a/b'], 'p'), 'METAINFO_BAD_PATH');
  throwsCode(() => safePath(['a\\b'], 'p'), 'METAINFO_BAD_PATH');
});

test('length and depth are bounded', () => {
  safePath(['x'.repeat(255)], 'p');
  safePath(['é'.repeat(127)], 'p'); // 254 bytes
  throwsCode(() => safePath(['x'.repeat(256)], 'p'), 'METAINFO_PATH_TOO_LONG');
  throwsCode(() => safePath(['é'.repeat(128)], 'p'), 'METAINFO_PATH_TOO_LONG');
  safePath(Array(MAX_PATH_DEPTH).fill('d'), 'p');
  throwsCode(() => safePath(Array(MAX_PATH_DEPTH + 1).fill('d'), 'p'), 'METAINFO_PATH_TOO_LONG');
});

test('names illegal on common file systems are sanitised, the raw name is kept', () => {
  assert.equal(sanitizeComponent('a:b<c>d"e|f?g*h'), 'a_b_c_d_e_f_g_h');
  assert.equal(sanitizeComponent('tab\there\x1f\x7f'), 'tab_here__');
  assert.equal(sanitizeComponent('name. '), 'name__');
  assert.equal(sanitizeComponent('...'), '___');
  assert.equal(sanitizeComponent('CON'), '_CON');
  assert.equal(sanitizeComponent('con.txt'), '_con.txt');
  assert.equal(sanitizeComponent('LPT9'), '_LPT9');
  assert.equal(sanitizeComponent('COM0'), 'COM0');
  assert.equal(sanitizeComponent('console'), 'console');
  assert.equal(sanitizeComponent('nul '), 'nul_');
  assert.equal(sanitizeComponent('C:'), 'C_');
  assert.equal(sanitizeComponent('héllo wörld 😀'), 'héllo wörld 😀');
  const p = safePath(['dir:1', 'AUX', 'ok.txt'], 'p');
  assert.deepEqual(p.rawPath, ['dir:1', 'AUX', 'ok.txt']);
  assert.deepEqual(p.path, ['dir_1', '_AUX', 'ok.txt']);
  assert.equal(isPortablePath(['a', 'b.txt']), true);
  assert.equal(isPortablePath(['a:b']), false);
  assert.equal(isPortablePath(['..']), false);
});

test('duplicate paths and file/folder clashes are rejected; padding may repeat', () => {
  const f = (path: string[], pad = false) => ({ path, pad });
  checkUniquePaths([f(['a', 'b']), f(['a', 'c']), f(['.pad', '1'], true), f(['.pad', '1'], true)], 'files');
  throwsCode(() => checkUniquePaths([f(['a']), f(['a'])], 'files'), 'METAINFO_DUPLICATE_PATH', 'files[1]');
  throwsCode(() => checkUniquePaths([f(['a']), f(['a', 'b'])], 'files'), 'METAINFO_DUPLICATE_PATH', 'files[1]');
  throwsCode(() => checkUniquePaths([f(['a', 'b']), f(['a'])], 'files'), 'METAINFO_DUPLICATE_PATH', 'files[1]');
  throwsCode(() => checkUniquePaths([f(['x', 'a', 'b']), f(['x', 'a'])], 'files'), 'METAINFO_DUPLICATE_PATH');
});
