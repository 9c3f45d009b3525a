/**
 * Timing helpers shared by the bench files: medians of repeated runs after
 * a warmup.
 */

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median milliseconds of `fn` over `reps` runs after `warmup` runs. */
export async function time(fn: () => unknown | Promise<unknown>, reps: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}
