// lib/core/docs-link.ts
// Where the documentation lives: the repository (package.json's repository, homepage and bugs) and each error's anchor.

/** The package's repository; package.json's `repository`, `homepage` and `bugs` name the same (a test checks it). */
export const REPOSITORY_URL = 'https://github.com/express-grafx-auth/express-grafx-auth';

/** The errors reference, one section per `GRAFX_*` code. */
const ERRORS_REFERENCE_URL = `${REPOSITORY_URL}/blob/main/docs/reference/errors.md`;

/** The link to a code's section of the errors reference (GitHub's anchor of the heading `` `GRAFX_…` ``). */
export function errorDocsURL(code: string): string {
  return `${ERRORS_REFERENCE_URL}#${code.toLowerCase()}`;
}
