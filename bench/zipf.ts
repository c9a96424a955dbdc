// bench/zipf.ts
// A Zipf-like mix of tenants: rank r drawn with probability ∝ 1 / r^s, from a seeded generator (the same mix every run).

/** Draws tenant indexes 0…n-1, index i with probability ∝ 1 / (i + 1)^s. */
export function zipfSampler(n: number, s: number, seed = 1): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** s;
    cdf[i] = total;
  }
  let state = seed >>> 0 || 1;
  // xorshift32: fast and good enough to spread requests; not for anything secret.
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cdf[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}
