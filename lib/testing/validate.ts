// lib/testing/validate.ts
// Argument checks of the stand-in's options and methods: they throw a TypeError/RangeError naming the argument.

/** Describes a value for an error message without ever printing a string's content (it could be a secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Throws unless `value` is a non-empty string. */
export function checkNonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `express-grafx-auth/testing: \`${name}\` must be a non-empty string, received ${describe(value)}`,
    );
  }
  return value;
}

/** Throws unless `value` is an integer >= `min`. */
export function checkInteger(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `express-grafx-auth/testing: \`${name}\` must be an integer >= ${min}, received ${describe(value)}`,
    );
  }
  return value;
}

/** Throws unless `value` is a TCP port number (0 = any free port). */
export function checkPort(value: unknown, name: string): number {
  const port = checkInteger(value, name, 0);
  if (port > 65535) throw new RangeError(`express-grafx-auth/testing: \`${name}\` must be a port number (0-65535)`);
  return port;
}

/** Throws unless `value` is one OAuth scope-token (RFC 6749 §3.3: visible ASCII but `"` and `\\`, no space). */
export function checkScope(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(value)) {
    throw new TypeError(
      `express-grafx-auth/testing: \`${name}\` must be one permission such as 'template:read' (visible ASCII, no space), received ${describe(value)}`,
    );
  }
  return value;
}
