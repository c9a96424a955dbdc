// lib/core/download.ts
// download(): a file of the environment API (a finished output, a media item) as a stream, its headers checked.
import type { IncomingMessage } from 'node:http';
import { finished, type Readable } from 'node:stream';
import axios, { type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { type ApiBase, checkApiLink, describeLink } from './api-link.js';
import { BodyReadError, readBoundedBody } from './bounded-body.js';
import { checkSignal } from './call-options.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, configError } from './errors.js';
import { parseProblem } from './grafx-problem.js';

/** Options of `download()`. */
export interface DownloadOptions {
  /**
   * Stops the download: before the answer, the request is aborted and the promise rejects with `signal.reason`;
   * after it, the body is destroyed (and the connection to the API closed).
   */
  signal?: AbortSignal;
}

/** A file of the environment API, as `req.grafx.download()` resolves it: its body still arriving. */
export interface GrafxDownload {
  /**
   * The file's bytes as they arrive (not buffered): pipe them on, or `destroy()` the stream to stop. Its first chunk
   * has already arrived (or the file is empty), so a failure before any byte rejected the promise instead.
   */
  body: Readable;
  /** The API's status (a 2xx, normally 200). */
  status: number;
  /** The `content-type` the API sent, when it is a well-formed media type (at most 256 characters). */
  contentType: string | undefined;
  /**
   * The `content-length` the API sent, when it is a well-formed decimal (a safe integer). It is passed on, never
   * used to reserve memory: a lying length cuts the answer short, nothing more.
   */
  contentLength: number | undefined;
  /** The `content-encoding` the API sent (`gzip`, …); the body is passed on as sent, not decoded. */
  contentEncoding: string | undefined;
  /** The `content-disposition` the API sent, when it is printable ASCII (at most 1024 characters). */
  contentDisposition: string | undefined;
}

/** What `download()` needs of one integration. */
export interface DownloadContext {
  integration: string;
  api: AxiosInstance;
  base: ApiBase;
}

/** An error answer's body is read up to this many bytes (to tell an expired download apart). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_CONTENT_TYPE_LENGTH = 256;
const MAX_DISPOSITION_LENGTH = 1024;
/** `type/subtype` and parameters, printable ASCII only. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+(\s*;[\x20-\x7e]*)?$/i;
const CONTENT_ENCODING = /^[a-z0-9-]{1,32}$/i;
const PRINTABLE = /^[\x20-\x7e]+$/;
/** What the platform's expired-download answer says (its status code is not confirmed; 410 counts by itself). */
const NO_LONGER_AVAILABLE = /no longer available|expired/i;

/**
 * `GET` of a link the API gave (`links.download` of a finished output, a `media/{id}/download` path…), through the
 * integration's API client (so its token goes to the API only, with renewal and one retry on 401). The link must be
 * on the environment API (else `GRAFX_LINK_REFUSED`, never requested). Resolves once the first byte of the body has
 * arrived; an error answer rejects: `GRAFX_DOWNLOAD_EXPIRED` when the download is no longer available, else the
 * axios error (its `response.data` the parsed problem, so `grafxProblem()` reads it).
 */
export async function download(
  context: DownloadContext,
  link: string,
  options?: DownloadOptions,
): Promise<GrafxDownload> {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw configError('download(): `options` must be an object');
  const { signal } = options;
  checkSignal(signal, 'download()');
  const { url, refused } = checkApiLink(link, context.base);
  if (url === undefined) {
    throw new GrafxAuthError(GRAFX_ERROR_CODES.LINK_REFUSED, `download(): the link ${refused}`, {
      status: 502,
      integration: context.integration,
    });
  }
  signal?.throwIfAborted();
  let response;
  try {
    response = await context.api.get<Readable>(url.href, {
      signal,
      responseType: 'stream',
      // Passed on as sent: the length stays true, and nothing is inflated here.
      decompress: false,
      headers: { 'Accept-Encoding': 'identity' },
      maxContentLength: -1,
      validateStatus: (status) => status >= 200 && status < 300,
      adapter: readingErrorBodies(context.api),
    });
  } catch (error) {
    signal?.throwIfAborted();
    throw downloadError(context, url, error);
  }
  const body = response.data;
  const stopOnAbort = (): void => {
    body.destroy(signal?.reason instanceof Error ? signal.reason : undefined);
  };
  signal?.addEventListener('abort', stopOnAbort, { once: true });
  finished(body, () => signal?.removeEventListener('abort', stopOnAbort));
  try {
    await firstChunk(body);
  } catch (error) {
    body.destroy();
    signal?.throwIfAborted();
    throw error;
  }
  const header = (name: string): string | undefined => {
    const value: unknown = response.headers[name];
    return typeof value === 'string' ? value.trim() : undefined;
  };
  return {
    body,
    status: response.status,
    contentType: checked(
      header('content-type'),
      (value) => value.length <= MAX_CONTENT_TYPE_LENGTH && MEDIA_TYPE.test(value),
    ),
    contentLength: lengthOf(header('content-length')),
    contentEncoding: checked(header('content-encoding'), (value) => CONTENT_ENCODING.test(value)),
    contentDisposition: checked(
      header('content-disposition'),
      (value) => value.length <= MAX_DISPOSITION_LENGTH && PRINTABLE.test(value),
    ),
  };
}

/** Resolves when the body's first chunk is there (put back for the reader) or it ended empty; rejects when it fails. */
function firstChunk(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      body.off('readable', onReadable);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReadable = (): void => {
      const chunk: unknown = body.read();
      if (chunk === null) return; // the end follows
      body.unshift(chunk);
      settle();
    };
    const onEnd = (): void => settle();
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => settle(new Error('the download was cut off before its first byte'));
    body.on('readable', onReadable);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}

/**
 * The adapter of a download: the app's (or axios's), whose error answers' streamed bodies are read (bounded) and put
 * in place of the stream before anything else sees them, so the API client's scrubber cleans them and a 401's body is
 * not left unread when the request is repeated.
 */
function readingErrorBodies(api: AxiosInstance): AxiosAdapter {
  return async (config) => {
    const adapter = axios.getAdapter(appAdapter(api) ?? axios.defaults.adapter, config);
    try {
      return await adapter(config);
    } catch (error) {
      const response = axios.isAxiosError(error) ? error.response : undefined;
      const stream = response?.data as IncomingMessage | undefined;
      if (response !== undefined && typeof stream?.pipe === 'function') {
        response.data = await readErrorBody(stream, config.signal as AbortSignal | undefined);
      }
      throw error;
    }
  };
}

/**
 * The adapter the app gave its API client's defaults, if it did. Only defaults the app made its own are read:
 * reading `api.defaults` would give the client its own copy of them, which costs each of its later requests.
 */
function appAdapter(api: AxiosInstance): AxiosRequestConfig['adapter'] {
  const own = Object.getOwnPropertyDescriptor(api, 'defaults');
  const defaults = own !== undefined && 'value' in own ? (own.value as { adapter?: unknown } | undefined) : undefined;
  return defaults?.adapter as AxiosRequestConfig['adapter'];
}

/** An error answer's body, at most 64 KB of it, parsed as JSON when it is JSON; undefined when it was not read. */
async function readErrorBody(stream: IncomingMessage, signal: AbortSignal | undefined): Promise<unknown> {
  const stop = (): void => {
    stream.destroy();
  };
  signal?.addEventListener('abort', stop, { once: true });
  let text: string | undefined;
  try {
    text = await readBoundedBody(stream, MAX_ERROR_BODY_BYTES);
  } catch (readError) {
    if (!(readError instanceof BodyReadError)) throw readError;
  } finally {
    signal?.removeEventListener('abort', stop);
    stream.destroy();
  }
  return parsedBody(text);
}

/**
 * The error of a refused download: `GRAFX_DOWNLOAD_EXPIRED` for a 410, or a 4xx/500 whose problem (or text) says
 * "no longer available"; else the axios error as it is.
 */
function downloadError(context: DownloadContext, url: URL, error: unknown): unknown {
  if (!axios.isAxiosError(error) || error.response === undefined) return error;
  const { status, data } = error.response;
  const problem = parseProblem(data, status);
  const says = [problem?.title, problem?.detail].filter(Boolean).join(': ');
  const text = problem !== undefined ? says : typeof data === 'string' ? data.slice(0, 2000) : '';
  const expired =
    status === 410 || ((status === 500 || (status >= 400 && status < 500)) && NO_LONGER_AVAILABLE.test(text));
  if (!expired) return error;
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.DOWNLOAD_EXPIRED,
    `The GraFx download ${describeLink(url)} is no longer available (the API answered ${status}${says === '' ? '' : `: ${says}`}); finished outputs are kept about 4 hours: start the output again`,
    { status: 410, integration: context.integration, cause: error },
  );
}

/** An error body as axios would have given it: parsed JSON, else the text. */
function parsedBody(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function checked(value: string | undefined, valid: (value: string) => boolean): string | undefined {
  return value !== undefined && value !== '' && valid(value) ? value : undefined;
}

/** A `content-length`: digits only, a safe integer; else undefined (not passed on). */
function lengthOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,16}$/.test(value)) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}
