// The simulator's virtual clock: quantum rounding, FIFO order within a quantum, cancellation,
// and promise continuations settling before virtual time moves on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../sim/swarm/clock.js';

test('tasks run in time order, and in scheduling order within one quantum', async () => {
  const c = new VirtualClock(1);
  const seen: string[] = [];
  c.setTimer(5, () => seen.push(`a@${c.now()}`));
  c.setTimer(2.2, () => seen.push(`b@${c.now()}`));
  c.setTimer(2.9, () => seen.push(`c@${c.now()}`));
  c.setTimer(0, () => seen.push(`d@${c.now()}`));
  await c.run();
  // 2.2 and 2.9 round up to the quantum ending at 3 and keep their scheduling order.
  assert.deepEqual(seen, ['d@0', 'b@3', 'c@3', 'a@5']);
});

test('a cancelled timer does not run; tasks added to the running quantum run in it', async () => {
  const c = new VirtualClock(1);
  const seen: number[] = [];
  const cancel = c.setTimer(3, () => seen.push(3));
  c.setTimer(1, () => {
    seen.push(1);
    c.soon({ run: () => seen.push(c.now()) });
    cancel();
  });
  await c.run();
  assert.deepEqual(seen, [1, 1]);
});

test('promise continuations of a quantum settle before the next quantum starts', async () => {
  const c = new VirtualClock(1);
  const seen: string[] = [];
  c.setTimer(1, () => {
    void (async () => {
      await Promise.resolve();
      await Promise.resolve();
      await new Promise<void>((r) => queueMicrotask(r));
      seen.push(`continuation@${c.now()}`);
    })();
  });
  c.setTimer(2, () => seen.push(`next@${c.now()}`));
  await c.run();
  assert.deepEqual(seen, ['continuation@1', 'next@2']);
});

test('run stops at `until` and at done(), and counts its work', async () => {
  const c = new VirtualClock(0.5);
  let n = 0;
  const tick = (): void => {
    n++;
    c.setTimer(1, tick);
  };
  c.setTimer(0, tick);
  await c.run({ until: 10 });
  assert.equal(n, 11);
  assert.equal(c.now(), 10);
  await c.run({ done: () => n >= 15 });
  assert.equal(n, 15);
  assert.ok(c.tasksRun >= 15 && c.quantaRun >= 15);
});

test('due() agrees with the quantum a time is scheduled in', async () => {
  const c = new VirtualClock(1);
  const times = [0.3, 1 - 1e-12, 1, 1 + 1e-12, 1.0000001, 2.5];
  const ran: [number, number][] = [];
  for (const t of times) c.at(t, { run: () => ran.push([t, c.now()]) });
  await c.run();
  for (const [t, at] of ran) {
    assert.ok(at >= t - 1e-6, `${t} ran at ${at}`);
    assert.ok(at - t < 1 + 1e-6, `${t} ran late at ${at}`);
  }
  assert.throws(() => new VirtualClock(0), RangeError);
});
