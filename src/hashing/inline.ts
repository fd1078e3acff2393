// The hash pool's main-thread executor: runs jobs on the calling thread, one per event-loop turn.
//
// For a process that does nothing but hash (`shoal create`), the main thread is an idle core:
// hashing on it saves one worker's start-up (a V8 isolate, tens of milliseconds) and starts work
// before any worker is up. Each job blocks the event loop for its duration (a few milliseconds
// for a 4 MiB job), so a long-running service keeps to worker threads only.
import { EventEmitter } from 'node:events';
import { clearImmediate, setImmediate } from 'node:timers';
import { execute } from './execute.js';
import type { JobReply, JobRequest } from './protocol.js';

export class InlineExecutor extends EventEmitter<{ message: [JobReply] }> {
  private readonly queue: JobRequest[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  postMessage(req: JobRequest): void {
    if (this.stopped) return;
    this.queue.push(req);
    this.schedule();
  }

  ref(): void {}

  unref(): void {}

  terminate(): Promise<number> {
    this.stopped = true;
    this.queue.length = 0;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    return Promise.resolve(0);
  }

  private schedule(): void {
    // setImmediate, not a microtask: replies of other workers and I/O run between two jobs.
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      const req = this.queue.shift();
      if (!req || this.stopped) return;
      const reply = execute(req);
      if (this.queue.length > 0) this.schedule();
      this.emit('message', reply);
    });
  }
}
