// lib/testing/environment-api.ts
// The stand-in's environment API (/grafx/api/v1/environment/:env): bearer checks, templates, projects, outputs, faults.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Answer, sendAnswer } from './api-answer.js';
import { type EndpointTls, HttpEndpoint, STAND_IN_HOST } from './http-endpoint.js';
import { BodyTooLargeError, canAnswer, mediaType, readBody } from './http-io.js';
import type { OutputTasks } from './output-tasks.js';
import type { TokenRejection, TokenStore } from './token-store.js';
import type { RecordedApiRequest, StandInCounts } from './types.js';
import { checkInteger } from './validate.js';

/** The path of an environment's API base, before the environment name. */
export const ENVIRONMENT_BASE_PATH = '/grafx/api/v1/environment/';

/** The templates of the environment API when no `templates` option is given. */
export const DEFAULT_STAND_IN_TEMPLATES: ReadonlyArray<Readonly<{ id: string; name: string }>> = Object.freeze([
  Object.freeze({ id: '8f4b2a0e-1c3d-4e5f-9a6b-7c8d9e0f1a21', name: 'Business card' }),
  Object.freeze({ id: '8f4b2a0e-1c3d-4e5f-9a6b-7c8d9e0f1a22', name: 'Flyer A5' }),
  Object.freeze({ id: '8f4b2a0e-1c3d-4e5f-9a6b-7c8d9e0f1a23', name: 'Social media post' }),
]);

const BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 25;
const PAGE_TOKEN_PREFIX = 'stand-in-offset:';
/** The sort fields (`''`: none, the configured order). */
const SORT_FIELDS = ['', 'name', 'id', 'relativePath'];

const REJECTION_DETAILS: Record<TokenRejection, string> = {
  missing: 'No bearer token: send "Authorization: Bearer <access token>".',
  unknown: 'The bearer token was not issued by this login server.',
  expired: 'The access token has expired.',
  revoked: 'The access token has been revoked.',
  environment: "The token's integration has no access to this environment.",
};

/**
 * CORS, as a browser (GraFx Studio) calling the environment API from the app's page needs: every answer, errors
 * included, may be read by any origin (bearer tokens, no cookies), and a preflight is answered before any check.
 */
const CORS_HEADERS: OutgoingHttpHeaders = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'location',
};

/** The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`). */
function preflightHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  return {
    ...CORS_HEADERS,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
    'access-control-max-age': '600',
  };
}

/** An injected API fault waiting in the queue. */
interface QueuedApiFault {
  status: number;
  remaining: number;
  path: string | undefined;
}

/** What the environment API shares with the rest of the stand-in. */
export interface EnvironmentApiContext {
  readonly store: TokenStore;
  readonly counts: StandInCounts;
  readonly recorded: RecordedApiRequest[];
  readonly templates: ReadonlyArray<Readonly<{ id: string; name: string }>>;
  readonly tasks: OutputTasks;
}

/** One request, as routed: who asked for what, and the parsed URL. */
interface ApiRequest {
  method: string;
  url: URL;
  environment: string;
  /** The path below the environment base, as sent. */
  path: string;
  body: string;
  contentType: string | undefined;
}

/** The environment API server: the HTTP endpoint and its fault queue. */
export class EnvironmentApi {
  private readonly endpoint: HttpEndpoint;
  private readonly faults: QueuedApiFault[] = [];

  constructor(
    private readonly context: EnvironmentApiContext,
    port: number,
    tls?: EndpointTls,
  ) {
    this.endpoint = new HttpEndpoint((req, res) => this.handle(req, res), port, tls);
  }

  /** The output tasks (their behaviour is set through the stand-in). */
  get tasks(): OutputTasks {
    return this.context.tasks;
  }

  /** `http://127.0.0.1:<port>/grafx/api/v1/environment/<environment>` (no trailing slash). */
  baseURL(environment: string): string {
    return `${this.origin}${ENVIRONMENT_BASE_PATH}${encodeURIComponent(environment)}`;
  }

  private get origin(): string {
    return `${this.endpoint.scheme}://${STAND_IN_HOST}:${this.endpoint.port}`;
  }

  /** Starts listening. */
  start(): Promise<void> {
    return this.endpoint.start();
  }

  /** Closes the server and every open socket. */
  close(): Promise<void> {
    this.faults.length = 0;
    return this.endpoint.stop();
  }

  /** See GrafxStandIn.apiFault. */
  inject(status: number, options: { times?: number; path?: string } = {}): void {
    checkInteger(status, 'status', 400);
    if (status > 599)
      throw new RangeError('express-grafx-auth/testing: `status` must be an HTTP error status (400-599)');
    const times = options.times === undefined ? 1 : checkInteger(options.times, 'times', 1);
    if (options.path !== undefined && typeof options.path !== 'string') {
      throw new TypeError('express-grafx-auth/testing: `path` must be a string such as "/templates"');
    }
    this.faults.push({ status, remaining: times, path: options.path });
  }

  /** Empties the fault queue. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  private takeFault(path: string): QueuedApiFault | undefined {
    const index = this.faults.findIndex((fault) => fault.path === undefined || path.startsWith(fault.path));
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      // A browser's CORS preflight: answered at once, neither counted nor recorded (it is not an API request).
      req.resume();
      res.writeHead(204, preflightHeaders(req)).end();
      return;
    }
    const { counts, recorded, store } = this.context;
    counts.apiRequests += 1;
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.origin);
    const { environment, path, inBase } = splitPath(url.pathname);
    const check = store.check(bearerToken(req.headers.authorization), environment);

    let body = '';
    let tooLarge = false;
    try {
      body = await readBody(req, BODY_LIMIT_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return; // the client went away: nobody to answer
      tooLarge = true;
    }
    if (!canAnswer(res)) return;

    const request: ApiRequest = { method, url, environment, path, body, contentType: req.headers['content-type'] };
    const missing = lacks(check.scopes, request);
    const fault = this.takeFault(path);
    let answer: Answer;
    if (fault !== undefined) {
      answer = { status: fault.status, problem: 'Fault injected by the GraFx stand-in.' };
    } else if (!inBase) {
      answer = { status: 404, problem: `No route: the environment API lives under ${ENVIRONMENT_BASE_PATH}<env>.` };
    } else if (check.rejection !== undefined) {
      answer = { status: 401, problem: REJECTION_DETAILS[check.rejection] };
    } else if (missing !== undefined) {
      answer = { status: 403, problem: `The integration lacks the permission "${missing}".`, title: 'Forbidden' };
    } else if (tooLarge) {
      answer = { status: 413, problem: `The request body is larger than ${BODY_LIMIT_BYTES} bytes.` };
    } else {
      answer = this.route(request);
    }

    if (answer.status === 401) counts.apiUnauthorized += 1;
    recorded.push({ method, path, environment, clientId: check.clientId, status: answer.status, body });
    sendAnswer(res, answer, CORS_HEADERS);
  }

  private route(request: ApiRequest): Answer {
    const segments = request.path.split('/').filter((segment) => segment !== '');
    const [resource, id, ...rest] = segments.map(safeDecode);
    const { method } = request;
    if (resource === 'templates' && rest.length === 0 && method === 'GET') {
      return id === undefined ? this.listTemplates(request) : this.getTemplate(id);
    }
    if (resource === 'projects' && rest.length === 0) {
      if (id === undefined && method === 'POST') return this.createProject(request);
      if (id !== undefined && method === 'GET') return { status: 200, json: { data: { id } } };
    }
    if (resource === 'output') return this.output(request, id, rest);
    if (resource === 'settings' && id === undefined && method === 'GET')
      return { status: 200, json: STAND_IN_SETTINGS };
    return { status: 404, problem: `No route for ${method} ${request.path}.` };
  }

  /**
   * `GET templates`: `{ data, pageSize, links: { nextPage }, total }`; query `limit`, `nextPageToken`, `search`,
   * `sortBy` (name, id, relativePath: by name) and `sortOrder` (asc, desc). `links.nextPage` is a full URL: the
   * request's own without the sort parameters, plus `nextPageToken` (which carries the sort). Sort parameters
   * together with `nextPageToken` answer 400, as the platform does.
   */
  private listTemplates({ url }: ApiRequest): Answer {
    const query = url.searchParams;
    const limitParam = query.get('limit');
    const limit = limitParam === null ? DEFAULT_PAGE_SIZE : /^[0-9]{1,9}$/.test(limitParam) ? Number(limitParam) : 0;
    if (limit < 1) {
      return { status: 400, problem: 'The query parameter "limit" must be a positive integer.' };
    }
    const pageToken = query.get('nextPageToken');
    let position: PagePosition | undefined;
    if (pageToken === null || pageToken === '') {
      position = { offset: 0, sortBy: query.get('sortBy') ?? '', sortOrder: query.get('sortOrder') ?? 'asc' };
      if (!SORT_FIELDS.includes(position.sortBy) || (position.sortOrder !== 'asc' && position.sortOrder !== 'desc')) {
        return { status: 400, problem: 'Sort by name, id or relativePath, in the order asc or desc.' };
      }
    } else if (query.has('sortBy') || query.has('sortOrder')) {
      return { status: 400, problem: 'Sorting options should not be provided when Next Page Token is provided.' };
    } else {
      position = decodePageToken(pageToken);
      if (position === undefined) return { status: 400, problem: 'The query parameter "nextPageToken" is not valid.' };
    }

    const { offset, sortBy, sortOrder } = position;
    const search = query.get('search')?.toLowerCase() ?? '';
    const field = sortBy === 'id' ? 'id' : 'name';
    const matching = this.context.templates.filter((template) => template.name.toLowerCase().includes(search));
    // Without sortBy, the templates keep their configured order.
    if (sortBy !== '') {
      const sign = sortOrder === 'desc' ? -1 : 1;
      matching.sort((a, b) => (a[field] < b[field] ? -sign : a[field] > b[field] ? sign : 0));
    }
    const data = matching.slice(offset, offset + limit).map(({ id, name }) => ({ id, name }));
    let nextPage: string | null = null;
    if (offset + limit < matching.length) {
      const next = new URL(url.href);
      next.searchParams.delete('sortBy');
      next.searchParams.delete('sortOrder');
      next.searchParams.set('nextPageToken', encodePageToken({ offset: offset + limit, sortBy, sortOrder }));
      nextPage = next.href;
    }
    return { status: 200, json: { data, pageSize: limit, links: { nextPage }, total: matching.length } };
  }

  /** `GET templates/:id`: `{ data: { id, name } }`; a missing template answers 500, as the platform does. */
  private getTemplate(id: string): Answer {
    const template = this.context.templates.find((candidate) => candidate.id === id);
    if (template === undefined) return { status: 500, problem: `Template ${id} could not be loaded.` };
    return { status: 200, json: { data: { id: template.id, name: template.name } } };
  }

  /** `POST output/{format}`, `GET output/tasks/:id`, `GET output/tasks/:id/download`. */
  private output(request: ApiRequest, first: string | undefined, rest: string[]): Answer {
    const { method, environment } = request;
    const baseURL = this.baseURL(environment);
    const [taskId, action, ...more] = rest;
    if (first === 'tasks' && method === 'GET' && taskId !== undefined && more.length === 0) {
      if (action === undefined) return this.context.tasks.poll(environment, taskId, baseURL);
      if (action === 'download') return this.context.tasks.download(environment, taskId);
    }
    if (first !== undefined && first !== 'tasks' && method === 'POST' && rest.length === 0) {
      return this.context.tasks.start(environment, first, parseJson(request), baseURL);
    }
    return { status: 404, problem: `No route for ${method} ${request.path}.` };
  }

  /** `POST projects`: 201 `{ data: { id, name }, received }`, `received` being the parsed JSON body or the raw text. */
  private createProject(request: ApiRequest): Answer {
    const { body, environment } = request;
    const received = parseJson(request) ?? body;
    const name =
      typeof received === 'object' && received !== null && typeof (received as { name?: unknown }).name === 'string'
        ? (received as { name: string }).name
        : 'Untitled';
    const id = randomUUID();
    return {
      status: 201,
      json: { data: { id, name }, received },
      headers: { location: `${this.baseURL(environment)}/projects/${id}` },
    };
  }
}

/**
 * The permission a request to the stand-in needs, by the permission names the platform documents: lists need
 * `:list`, single items `:read`, changes `:write`, static outputs `output:static`, videos `output:animated`. Only
 * routes the stand-in serves; anything else needs none here.
 */
function permissionOf(method: string, path: string): string | undefined {
  const [resource, id, ...rest] = path.split('/').filter((segment) => segment !== '');
  if (resource === 'templates' && method === 'GET' && rest.length === 0) {
    return id === undefined ? 'template:list' : 'template:read';
  }
  if (resource === 'projects' && rest.length === 0) {
    if (method === 'GET') return id === undefined ? 'myproject:list' : 'myproject:read';
    if (method === 'POST' || method === 'PUT' || method === 'DELETE') return 'myproject:write';
  }
  if (resource === 'output' && method === 'POST' && rest.length === 0 && id !== undefined) {
    if (['pdf', 'png', 'jpg', 'image'].includes(id)) return 'output:static';
    if (['mp4', 'animation'].includes(id)) return 'output:animated';
  }
  return undefined;
}

/** The permission `request` needs and a token with `scopes` lacks; undefined when none is enforced or it has it. */
function lacks(scopes: ReadonlySet<string> | undefined, request: ApiRequest): string | undefined {
  if (scopes === undefined) return undefined;
  const needed = permissionOf(request.method, request.path);
  return needed === undefined || scopes.has(needed) ? undefined : needed;
}

/** `GET settings`: the environment's settings, in the form the platform's release notes show. */
const STAND_IN_SETTINGS = Object.freeze({
  sdkVersionPublic: '1.45.0',
  applicationsConfig: {
    fonts: { enabled: true },
    media: { enabled: true },
    studio: { enabled: true },
    labs: { enabled: false },
    'brand-kits': { enabled: false },
    publisher: { enabled: false, features: [] },
  },
});

/** The JSON body of a request sent as JSON; undefined when it is not JSON or does not parse. */
function parseJson({ body, contentType }: ApiRequest): unknown {
  const type = mediaType(contentType);
  if (type !== 'application/json' && !type.endsWith('+json')) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Splits a URL path into the environment and the path below its base (the whole path outside the base). */
function splitPath(pathname: string): { environment: string; path: string; inBase: boolean } {
  if (!pathname.startsWith(ENVIRONMENT_BASE_PATH)) return { environment: '', path: pathname, inBase: false };
  const rest = pathname.slice(ENVIRONMENT_BASE_PATH.length);
  const slash = rest.indexOf('/');
  const rawEnvironment = slash === -1 ? rest : rest.slice(0, slash);
  if (rawEnvironment === '') return { environment: '', path: pathname, inBase: false };
  return { environment: safeDecode(rawEnvironment), path: slash === -1 ? '' : rest.slice(slash), inBase: true };
}

/** The token of an `Authorization: Bearer <token>` header. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Where a list page starts, and the sort the first page asked for (a page token carries both; `''`: none). */
interface PagePosition {
  offset: number;
  sortBy: string;
  sortOrder: string;
}

function encodePageToken({ offset, sortBy, sortOrder }: PagePosition): string {
  return Buffer.from(`${PAGE_TOKEN_PREFIX}${offset}:${sortBy}:${sortOrder}`, 'utf8').toString('base64url');
}

function decodePageToken(token: string): PagePosition | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(PAGE_TOKEN_PREFIX)) return undefined;
  const [offsetText, sortBy = '', sortOrder = 'asc'] = text.slice(PAGE_TOKEN_PREFIX.length).split(':');
  const offset = Number(offsetText);
  if (!Number.isSafeInteger(offset) || offset < 0 || !SORT_FIELDS.includes(sortBy)) return undefined;
  return sortOrder === 'asc' || sortOrder === 'desc' ? { offset, sortBy, sortOrder } : undefined;
}
