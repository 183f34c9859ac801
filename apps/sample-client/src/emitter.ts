/** A small typed event emitter: a throwing listener is reported on `error`, never breaks the others. */

/** Map of event name → payload type. */
export type EventMap = Record<string, unknown>;

/** Typed emitter with `on`, `once`, `off`. */
export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(data: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: (data: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (data: never) => void);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof E>(event: K, listener: (data: E[K]) => void): () => void {
    const off = this.on(event, (data) => {
      off();
      listener(data);
    });
    return off;
  }

  /** Removes a listener. */
  off<K extends keyof E>(event: K, listener: (data: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (data: never) => void);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` with `data`. */
  protected emit<K extends keyof E>(event: K, data: E[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        (l as (d: E[K]) => void)(data);
      } catch (err) {
        if (event !== 'error' && this.listenerCount('error') > 0) this.emit('error', err as E[keyof E]);
        else
          queueMicrotask(() => {
            throw err;
          });
      }
    }
  }
}
