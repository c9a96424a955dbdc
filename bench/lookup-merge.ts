// bench/lookup-merge.ts
// Scenario 8's figures: the median and middle half of per-round values, and the rounds of several processes pooled.

/** Median and middle half (quartiles) of per-round values. */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (list: readonly number[]): number => {
    const middle = list.length / 2;
    return list.length % 2 === 1
      ? (list[Math.floor(middle)] as number)
      : ((list[middle - 1] as number) + (list[middle] as number)) / 2;
  };
  return {
    median: at(sorted),
    q1: at(sorted.slice(0, Math.ceil(sorted.length / 2))),
    q3: at(sorted.slice(Math.floor(sorted.length / 2))),
  };
}

/** Per-round values by distribution, then candidate. */
export type RoundValues = Record<string, Record<string, number[]>>;

/** The spread of each distribution's and candidate's values. */
export function spreads(values: RoundValues): Record<string, Record<string, Spread>> {
  const out: Record<string, Record<string, Spread>> = {};
  for (const [distribution, byName] of Object.entries(values)) {
    out[distribution] = {};
    for (const [name, list] of Object.entries(byName)) (out[distribution] as Record<string, Spread>)[name] = spread(list);
  }
  return out;
}

/** The rounds of several processes, pooled by distribution and candidate. */
export function poolRounds(all: readonly RoundValues[]): RoundValues {
  const pooled: RoundValues = {};
  for (const values of all) {
    for (const [distribution, byName] of Object.entries(values)) {
      const into = (pooled[distribution] ??= {});
      for (const [name, list] of Object.entries(byName)) (into[name] ??= []).push(...list);
    }
  }
  return pooled;
}

/** The median of each candidate's figure over the processes (heap per tenant: one figure per process). */
export function medianByName(all: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const names = new Set(all.flatMap((figures) => Object.keys(figures)));
  const out: Record<string, number> = {};
  for (const name of names) {
    out[name] = spread(all.flatMap((figures) => (figures[name] === undefined ? [] : [figures[name]]))).median;
  }
  return out;
}
