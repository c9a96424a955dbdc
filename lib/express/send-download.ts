// lib/express/send-download.ts
// sendGrafxDownload(): streams a file of the environment API (a finished output) to the Express response.
import { pipeline } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import type { GrafxDownload } from '../core/index.js';
import { configError } from './config-error.js';

/** Options of `sendGrafxDownload()`. */
export interface SendGrafxDownloadOptions {
  /**
   * Sends `Content-Disposition: attachment` with this file name (the browser saves the file); without it, the API's
   * own `content-disposition`, if any, is passed on. 1 to 255 characters, no control characters.
   */
  filename?: string;
}

const MAX_FILENAME_LENGTH = 255;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Streams the file at `link` (a finished output's `downloadURL`, a `media/{id}/download` path) from the environment
 * API to `res`, through `req.grafx.download()` (so the token goes to the API only). `content-type`,
 * `content-length` (when well-formed), `content-encoding` and `content-disposition` are passed on, with
 * `X-Content-Type-Options: nosniff`. When the client goes away, the request to the API is aborted.
 *
 * A failure before the file's first byte (a refused link, an error answer, `GRAFX_DOWNLOAD_EXPIRED`) goes to
 * `next(err)`, nothing having been sent; a failure after it destroys the response (the client sees it cut short,
 * never a complete-looking file). The promise always resolves, once the response is done.
 */
export async function sendGrafxDownload(
  req: Request,
  res: Response,
  next: NextFunction,
  link: string,
  options: SendGrafxDownloadOptions = {},
): Promise<void> {
  let disposition: string | undefined;
  try {
    if (typeof req.grafx?.download !== 'function') {
      throw configError('sendGrafxDownload() needs `req.grafx`: use it after grafxAuth()');
    }
    if (typeof options !== 'object' || options === null)
      throw configError('sendGrafxDownload(): `options` must be an object');
    if (options.filename !== undefined) disposition = attachment(options.filename);
  } catch (error) {
    next(error);
    return;
  }
  const controller = new AbortController();
  const onClose = (): void => controller.abort(new Error('the client closed the connection'));
  res.once('close', onClose);
  let file: GrafxDownload;
  try {
    file = await req.grafx.download(link, { signal: controller.signal });
  } catch (error) {
    res.off('close', onClose);
    // A client that went away is no error to report, and has no response to send it on.
    if (!controller.signal.aborted) next(error);
    return;
  }
  try {
    res.statusCode = file.status;
    res.setHeader('content-type', file.contentType ?? 'application/octet-stream');
    if (file.contentLength !== undefined) res.setHeader('content-length', String(file.contentLength));
    if (file.contentEncoding !== undefined) res.setHeader('content-encoding', file.contentEncoding);
    const sentDisposition = disposition ?? file.contentDisposition;
    if (sentDisposition !== undefined) res.setHeader('content-disposition', sentDisposition);
    res.setHeader('x-content-type-options', 'nosniff');
  } catch (error) {
    // The headers were sent already (by the app): nothing of the file goes out.
    res.off('close', onClose);
    file.body.destroy();
    next(error);
    return;
  }
  await new Promise<void>((resolve) => {
    pipeline(file.body, res, (error) => {
      res.off('close', onClose);
      if (error !== undefined && error !== null) {
        file.body.destroy();
        res.destroy();
      }
      resolve();
    });
  });
}

/**
 * `attachment; filename="<name>"` for a plain ASCII name, else with `filename*=UTF-8''<percent-encoded>` and an ASCII
 * stand-in (RFC 6266); the name checked.
 */
function attachment(filename: unknown): string {
  if (
    typeof filename !== 'string' ||
    filename === '' ||
    filename.length > MAX_FILENAME_LENGTH ||
    CONTROL_CHARACTERS.test(filename)
  ) {
    throw configError(
      `sendGrafxDownload(): \`filename\` must be a string of 1 to ${MAX_FILENAME_LENGTH} characters without control characters`,
    );
  }
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  if (ascii === filename && !filename.includes('%')) return `attachment; filename="${ascii}"`;
  let encoded: string;
  try {
    encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    throw configError('sendGrafxDownload(): `filename` is not well-formed Unicode (a lone surrogate)');
  }
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
