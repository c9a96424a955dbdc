// lib/core/load-marks.ts
// LoadMarks: which load of each key is the current one, so that a load dropped meanwhile is not held when it is done.

/**
 * A mark per load in flight, by key (the registry's first loads of tenants, the token cache's fetches): a load whose
 * key was dropped (forgotten, evicted, cleared) while it ran still answers its callers, but is not held when done.
 */
export class LoadMarks {
  readonly #marks = new Map<string, object>();

  /** Marks a load of `key` as the current one; the mark it checks when it is done. */
  begin(key: string): object {
    const mark = {};
    this.#marks.set(key, mark);
    return mark;
  }

  /** Whether the load of `mark` is still the current one of `key` (not dropped meanwhile). */
  current(key: string, mark: object): boolean {
    return this.#marks.get(key) === mark;
  }

  /** The load of `mark` is done: its mark goes, if it is still the current one. */
  end(key: string, mark: object): void {
    if (this.#marks.get(key) === mark) this.#marks.delete(key);
  }

  /** The load of `key` in flight, if any, is no longer current. */
  drop(key: string): void {
    this.#marks.delete(key);
  }

  clear(): void {
    this.#marks.clear();
  }
}
