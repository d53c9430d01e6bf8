// Who wants to hear that something changed (/usage/stream, the bridge): the stores and sources keep one of
// these instead of each writing the set, the unsubscribe and the safe call again.

export class Listeners {
  private readonly set = new Set<() => void>();

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: () => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** Calls every listener once. A listener's failure is its own business: the others still hear. */
  notify(): void {
    for (const l of [...this.set]) {
      try {
        l();
      } catch {
        // ignored on purpose
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
