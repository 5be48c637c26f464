/** A minimal typed event registry. `on` returns the function that removes the listener. */
export class Listeners<Events extends Record<string, unknown>> {
  readonly #byEvent = new Map<keyof Events, Set<(payload: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#byEvent.get(event);
    if (set === undefined) this.#byEvent.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls every listener of `event`; returns false when there were none. A throwing listener does not stop the rest. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): boolean {
    const set = this.#byEvent.get(event);
    if (set === undefined || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        // A listener's bug must not break message delivery; surface it without throwing.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return true;
  }
}
