// An array-backed queue whose front removal is O(1): the request pipeline removes answered
// requests from the front hundreds of times per second per peer, and Array.prototype.shift on a
// queue of a thousand requests would copy the whole array each time.

export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The i-th item from the front. */
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    this.compact();
    return item;
  }

  /** Removes the i-th item from the front (cheap near the front, where answers arrive). */
  removeAt(i: number): void {
    if (i === 0) {
      this.shift();
      return;
    }
    this.items.splice(this.head + i, 1);
  }

  /** Removes and returns every item from index `from` on. */
  splice(from: number): T[] {
    return this.items.splice(this.head + from) as T[];
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
