// lib/core/bounded-text.ts
// boundedText(): a string from outside made safe to show: no control or bidi characters, at most `max` characters.

// C0/C1 controls, DEL, and the bidi embedding/override/isolate marks (they can disguise what a log line says).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** `value` when it is a string: unsafe characters become one space, trimmed, cut to `max` characters (with `…`). */
export function boundedText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Cut first (a hostile string may be megabytes long), then clean, then cut again to the exact bound.
  const cleaned = value
    .slice(0, max * 2)
    .replace(UNSAFE, ' ')
    .trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
