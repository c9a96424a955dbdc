// lib/core/bounded-text.ts
// boundedText(): a string from outside made safe to show: no control or bidi characters, at most `max` characters.

// C0/C1 controls and DEL (a line break could forge a log line) become a space.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
// Bidi embedding/override/isolate marks (they can disguise what a text says) are dropped.
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `value` when it is a string: controls become one space, bidi marks go, trimmed, cut to `max` characters (`…`). */
export function boundedText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Cut first (a hostile string may be megabytes long), then clean, then cut again to the exact bound.
  const cleaned = value
    .slice(0, max * 2)
    .replace(BIDI, '')
    .replace(CONTROLS, ' ')
    .trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
