// __tests__/package/docs-links.test.ts
// The references cannot drift: an anchor per error code (and err.docs leads there), the options table against the
// option types' known keys, package.json's links, and every link of README.md and docs/ (absolute where npm needs it).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { GRAFX_ERROR_CODES, GrafxAuthError, createGrafxClient } from 'express-grafx-auth';
import { REPOSITORY_URL, errorDocsURL } from '../../lib/core/docs-link.js';
import { CLIENT_OPTION_KEYS, LOADING_KEYS } from '../../lib/core/options.js';
import { ADAPTER_KEYS } from '../../lib/express/middleware.js';
import { docFiles } from '../helpers/doc-blocks.js';
import { rejection } from '../helpers/failure.js';
import { root } from '../helpers/pack.js';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** The markdown outside code blocks (a link or heading inside a sample is not one of the page's). */
const prose = (markdown: string): string => markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
export const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a markdown file's headings (GitHub's, with `-1`, `-2` for repeats). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Every `[text](target)` link of a file's prose. */
const links = (markdown: string): string[] =>
  [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);

const ERRORS_MD = 'docs/reference/errors.md';

describe('the errors reference', () => {
  const headings = [...prose(read(ERRORS_MD)).matchAll(/^### `(GRAFX_[A-Z_]+)`$/gm)].map((match) => match[1]!);

  it('has one section per GRAFX_* code, in the order of GRAFX_ERROR_CODES, and none for a code that does not exist', () => {
    expect(headings).toEqual(Object.values(GRAFX_ERROR_CODES));
  });

  it.each(Object.values(GRAFX_ERROR_CODES))('%s: its section says the status, the cause and the fix', (code) => {
    const text = prose(read(ERRORS_MD));
    const start = text.indexOf(`### \`${code}\``);
    const section = text.slice(
      start,
      text.indexOf('\n### ', start + 1) === -1 ? undefined : text.indexOf('\n### ', start + 1),
    );
    expect(section).toMatch(/\*\*Status\*\* \d{3}/);
    expect(section).toContain('**Cause:**');
    expect(section).toContain('**Fix:**');
  });

  it.each(Object.values(GRAFX_ERROR_CODES))('%s: err.docs leads to its anchor', (code) => {
    const error = new GrafxAuthError(code, 'a failure', { status: 500 });
    expect(error.docs).toBe(`${REPOSITORY_URL}/blob/main/${ERRORS_MD}#${code.toLowerCase()}`);
    expect(error.docs).toBe(errorDocsURL(code));
    expect(anchors(read(ERRORS_MD)).has(new URL(error.docs).hash.slice(1))).toBe(true);
    // not an own property: logging or JSON of the error is unchanged
    expect(Object.keys(error)).not.toContain('docs');
    expect(error.toJSON()).not.toHaveProperty('docs');
  });

  it('a configuration error says where to read about it, once, also in a copy', async () => {
    const thrown = (await rejection(
      Promise.resolve().then(() => createGrafxClient({ clientId: 'id' } as never)),
    )) as GrafxAuthError;
    expect(thrown.code).toBe(GRAFX_ERROR_CODES.CONFIG_INVALID);
    expect(thrown.message).toContain(`(see ${thrown.docs})`);
    expect(thrown.copy().message.split(thrown.docs).length).toBe(2);
    // other codes keep their message as it is
    expect(new GrafxAuthError(GRAFX_ERROR_CODES.TOKEN_TIMEOUT, 'slow', { status: 504 }).message).toBe('slow');
  });
});

describe('the options reference', () => {
  /** The option names of the first table of options.md (`grafxAuth()` and `createGrafxClient()`). */
  const documented = (): string[] => {
    const text = prose(read('docs/reference/options.md'));
    const start = text.indexOf('## `grafxAuth()` and `createGrafxClient()`');
    const section = text.slice(start, text.indexOf('\n## ', start + 1));
    return [...section.matchAll(/^\| `([\w.]+)` \|/gm)].map((match) => match[1]!);
  };

  it('lists exactly the options the types know (a new option without a row, or a row without an option, fails)', () => {
    const known = [
      ...Object.keys(CLIENT_OPTION_KEYS).flatMap((key) =>
        key === 'loading'
          ? Object.keys(LOADING_KEYS).map((inner) => `loading.${inner}`)
          : key === 'cache'
            ? ['cache.max']
            : key === 'tokenRequests'
              ? ['tokenRequests.maxConcurrent', 'tokenRequests.queueTimeoutMs']
              : [key],
      ),
      ...Object.keys(ADAPTER_KEYS), // grafxAuth()'s own
    ];
    expect([...documented()].sort()).toEqual([...known].sort());
  });
});

describe('package.json and the README on npm', () => {
  const manifest = JSON.parse(read('package.json')) as {
    repository?: { type: string; url: string };
    homepage?: string;
    bugs?: { url: string };
    files: string[];
  };

  it('names the repository, its home page and its issues (the one URL lib/core/docs-link.ts has)', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: `git+${REPOSITORY_URL}.git` });
    expect(manifest.homepage).toBe(`${REPOSITORY_URL}#readme`);
    expect(manifest.bugs).toEqual({ url: `${REPOSITORY_URL}/issues` });
  });

  it('README.md links to no file by a relative path (npm shows it without the repository around it)', () => {
    const relative = links(read('README.md')).filter((target) => !/^(https?:|#|mailto:)/.test(target));
    expect(relative).toEqual([]);
  });

  it("README.md's links into the repository lead to files and anchors that exist", () => {
    const prefix = new RegExp(`^${REPOSITORY_URL.replace(/[.]/g, '\\.')}/(?:blob|tree)/main/([^#]*)(?:#(.*))?$`);
    const repoLinks = links(read('README.md')).filter((target) => target.startsWith(REPOSITORY_URL));
    expect(repoLinks.length).toBeGreaterThan(10);
    const broken = repoLinks.filter((target) => {
      const match = prefix.exec(target);
      if (!match) return true;
      const file = match[1]!;
      if (!existsSync(join(root, file))) return true;
      return match[2] !== undefined && !anchors(read(file)).has(match[2]);
    });
    expect(broken).toEqual([]);
  });
});

describe('links between the pages of docs/ (and README.md, SECURITY.md)', () => {
  it.each([...docFiles(), 'SECURITY.md'])('%s: every relative link leads to a file, and every anchor to a heading', (file) => {
    const broken = links(read(file))
      .filter((target) => !/^(https?:|mailto:)/.test(target))
      .filter((target) => {
        const [path = '', anchor] = target.split('#');
        const targetFile = path === '' ? file : normalize(join(dirname(file), path));
        if (targetFile.startsWith('..') || !existsSync(join(root, targetFile))) return true;
        return (
          anchor !== undefined && anchor !== '' && targetFile.endsWith('.md') && !anchors(read(targetFile)).has(anchor)
        );
      });
    expect(broken).toEqual([]);
  });
});
