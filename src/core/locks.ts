import { cancelledError, MembersError } from './errors.js';

/**
 * Thrown when a call, on getting its turn on a project, finds that another call changed it after
 * this one began reading: the tool layer runs the call again from its reads, its turn kept.
 */
export class StaleRead extends Error {
  override name = 'StaleRead';
}

/**
 * One lock per key (a project of a connection), first come first served. Calls that change the
 * same project in this process take turns, so that each plans from a state no other call of this
 * process is changing. It also counts releases, so that a call can tell whether a change on its
 * key ended after it began reading (then what it read may be stale).
 */
export class KeyedLocks {
  private readonly queues = new Map<string, Array<() => void>>();
  /** Releases so far, of any key; and the count at each key's last release. */
  private releases = 0;
  private readonly lastRelease = new Map<string, number>();

  /** A mark to compare with changedSince(): take it before the reads a plan is made from. */
  mark(): number {
    return this.releases;
  }

  /** Whether a holder of `key` released it after `mark`: reads made since the mark may be stale. */
  changedSince(key: string, mark: number): boolean {
    return (this.lastRelease.get(key) ?? -1) >= mark;
  }

  /**
   * Waits for `key`, at most until `deadline` (epoch ms) and while `signal` holds; returns the
   * function that releases it (once). A wait that runs out throws TIMEOUT, having changed nothing.
   */
  async acquire(key: string, options: { signal: AbortSignal; deadline: number; what: string }): Promise<() => void> {
    const { signal, deadline, what } = options;
    if (signal.aborted) throw cancelledError();
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, []);
      return this.releaser(key);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = () => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const grant = () => {
        leave();
        resolve();
      };
      const onAbort = () => {
        leave();
        reject(cancelledError());
      };
      const timer = setTimeout(() => {
        leave();
        reject(
          new MembersError('TIMEOUT', `Another call is still changing ${what}; this call waited for its turn until its time budget ran out, and changed nothing.`, {
            hint: 'Call again once the other call has answered; only what is still missing is applied.',
          }),
        );
      }, Math.max(0, deadline - Date.now()));
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(grant);
    });
    return this.releaser(key);
  }

  /** Keys held or waited for (tests check that none is left behind). */
  get size(): number {
    return this.queues.size;
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastRelease.set(key, this.releases++);
      const queue = this.queues.get(key)!;
      const next = queue.shift();
      if (next) next();
      else this.queues.delete(key);
    };
  }
}
