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
  async acquire(key: string, options: { signal: AbortSignal; deadline: number; what: string }): Promise<(changed?: boolean) => void> {
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

  /**
   * Releases once. `changed: false` says the holder changed nothing under it (it gives its turn
   * back before its first write): then no call's reads of the key count as stale for it.
   */
  private releaser(key: string): (changed?: boolean) => void {
    let released = false;
    return (changed = true) => {
      if (released) return;
      released = true;
      if (changed) this.lastRelease.set(key, this.releases++);
      const queue = this.queues.get(key)!;
      const next = queue.shift();
      if (next) next();
      else this.queues.delete(key);
    };
  }
}

/** A project as turns name it. */
export interface TurnProject {
  id: string;
  name?: string | undefined;
}

/**
 * One call's turns on the projects of its connection (a KeyedLocks keyed by project id), held
 * until the call answers. A call may need several (a removal from several projects takes them all
 * at once, before its first write), so turns are only ever taken in ascending order of project id:
 * a call that holds a turn waits only for turns above it, and no two calls can wait for each other
 * in a circle. A call never waits for a turn of its own: what it holds is not taken again, and two
 * takes of one call run one after the other.
 */
export class ProjectTurns {
  private readonly held = new Map<string, { project: TurnProject; release: (changed?: boolean) => void }>();
  private mark: number;
  private taking: Promise<void> = Promise.resolve();

  constructor(
    private readonly locks: KeyedLocks,
    private readonly options: { signal: AbortSignal; deadline: () => number; describe: (project: TurnProject) => string },
  ) {
    this.mark = locks.mark();
  }

  /** A new run of the call begins: its reads from now on are checked against changes after now. */
  reread(): void {
    this.mark = this.locks.mark();
  }

  /**
   * Takes the turns of these projects that the call does not hold yet. Throws StaleRead once it
   * holds them all when another call released one of them after the call began reading (the call
   * must read again, keeping its turns); TIMEOUT at the call's deadline; CANCELLED on abort.
   */
  take(projects: readonly TurnProject[]): Promise<void> {
    const run = this.taking.then(() => this.takeInOrder(projects));
    this.taking = run.catch(() => undefined);
    return run;
  }

  /**
   * Gives back every turn held, having changed nothing under them (only before the call's first
   * write): before the call waits for a person, or to take a lower turn in order.
   */
  giveBack(): void {
    for (const { release } of this.held.values()) release(false);
    this.held.clear();
  }

  /** Releases every turn when the call answers: others reading these projects read again. */
  releaseAll(): void {
    for (const { release } of this.held.values()) release();
    this.held.clear();
  }

  private async takeInOrder(projects: readonly TurnProject[]): Promise<void> {
    let missing = inOrder(projects.filter((project) => !this.held.has(project.id)));
    if (missing.length === 0) return;
    const highest = [...this.held.keys()].sort().at(-1);
    if (highest !== undefined && missing[0]!.id < highest) {
      // A turn below one held (a call that read again and now needs another project): taking it
      // while holding those above could close a circle, so those are given back and all taken in order.
      const before = [...this.held.values()].map(({ project }) => project);
      this.giveBack();
      missing = inOrder([...missing, ...before]);
    }
    let stale: TurnProject | undefined;
    for (const project of missing) {
      const release = await this.locks.acquire(project.id, { signal: this.options.signal, deadline: this.options.deadline(), what: this.options.describe(project) });
      this.held.set(project.id, { project, release });
      if (!stale && this.locks.changedSince(project.id, this.mark)) stale = project;
    }
    if (stale) throw new StaleRead(this.options.describe(stale));
  }
}

/** Projects once each, in ascending order of id (the one order every call takes turns in). */
function inOrder(projects: readonly TurnProject[]): TurnProject[] {
  return [...new Map(projects.map((project) => [project.id, project])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
