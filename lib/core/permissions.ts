// lib/core/permissions.ts
// permissionFor(): the permission (`resource:action` scope) a documented environment API call needs; unknown calls: undefined.
import { ABSOLUTE_URL, MAX_LINK_LENGTH } from './api-link.js';

/**
 * Documented endpoints (below the environment API base) and the permission each needs, by the names of the
 * integration's Permissions tab: lists `:list`, single items and their files `:read`, changes `:write`, static
 * outputs `output:static`, videos `output:animated`. `*` is one path segment. Endpoints whose permission the docs
 * leave open (tags, connectors, brand kits, output settings, gif and html outputs, tasks) are not listed.
 */
const TABLE: ReadonlyArray<readonly [method: string, pattern: string, permission: string]> = [
  ['GET', 'templates', 'template:list'],
  ['GET', 'templates/*', 'template:read'],
  ['GET', 'templates/*/download', 'template:read'],
  ['GET', 'templates/*/preview', 'template:read'],
  ['GET', 'templates/*/preview/*', 'template:read'],
  ['GET', 'projects', 'myproject:list'],
  ['POST', 'projects', 'myproject:write'],
  ['GET', 'projects/*', 'myproject:read'],
  ['DELETE', 'projects/*', 'myproject:write'],
  ['GET', 'projects/*/document', 'myproject:read'],
  ['PUT', 'projects/*/document', 'myproject:write'],
  ['GET', 'projects/*/preview', 'myproject:read'],
  ['GET', 'projects/*/preview/*', 'myproject:read'],
  ['POST', 'output/pdf', 'output:static'],
  ['POST', 'output/png', 'output:static'],
  ['POST', 'output/jpg', 'output:static'],
  ['POST', 'output/image', 'output:static'],
  ['POST', 'output/mp4', 'output:animated'],
  ['POST', 'output/animation', 'output:animated'],
  ['GET', 'media', 'media:list'],
  ['GET', 'media/*', 'media:read'],
  ['GET', 'media/*/download', 'media:read'],
  ['GET', 'media/*/preview/*', 'media:read'],
  ['GET', 'fonts', 'font:list'],
  ['GET', 'fonts/*', 'font:read'],
  ['GET', 'fonts/*/download', 'font:read'],
  ['GET', 'fonts/*/preview/*', 'font:read'],
];

/** Words that are endpoints of their own where an ID would be (`templates/preview/tasks/…`, `media/directory`). */
const NOT_IDS = new Set(['preview', 'directory', 'tasks', 'settings']);

/**
 * The permission a call needs: `method` and `path` below the environment API base (`/templates/abc`, `templates`,
 * query string allowed). undefined for calls the table does not know.
 */
export function permissionFor(method: string, path: string): string | undefined {
  const end = path.search(/[?#]/);
  const segments = (end === -1 ? path : path.slice(0, end)).split('/').filter((segment) => segment !== '');
  if (segments.length === 0 || segments.length > 4) return undefined;
  const verb = method.toUpperCase();
  for (const [tableMethod, pattern, permission] of TABLE) {
    if (tableMethod !== verb) continue;
    const parts = pattern.split('/');
    if (parts.length !== segments.length) continue;
    if (parts.every((part, i) => (part === '*' ? !NOT_IDS.has(segments[i] ?? '') : part === segments[i]))) {
      return permission;
    }
  }
  return undefined;
}

/**
 * The path below `apiBaseURL` of a request URL as axios combines it (`baseURL` + `url`, or `url` alone when
 * absolute); undefined when it is not below the base or is unreasonably long.
 */
export function pathBelowBase(
  apiBaseURL: string,
  url: string | undefined,
  baseURL: string | undefined,
): string | undefined {
  const requested = url ?? '';
  if (requested.length > MAX_LINK_LENGTH) return undefined;
  let full: URL;
  try {
    full = ABSOLUTE_URL.test(requested)
      ? new URL(requested, apiBaseURL)
      : new URL(`${(baseURL ?? apiBaseURL).replace(/\/+$/, '')}/${requested.replace(/^\/+/, '')}`);
  } catch {
    return undefined;
  }
  const base = new URL(apiBaseURL);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (full.origin !== base.origin || !full.pathname.startsWith(`${basePath}/`)) return undefined;
  return full.pathname.slice(basePath.length);
}
