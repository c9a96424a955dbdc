// lib/testing/http-io.ts
// Reading a request body with a size limit, and writing complete responses (JSON or text) safely.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The body was larger than the limit given to {@link readBody}. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * Reads the whole request body as utf8. Rejects with {@link BodyTooLargeError} past `limitBytes`, or with an
 * error when the request fails or the client goes away before the body's end.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (error === undefined) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        settle(new BodyTooLargeError(`request body larger than ${limitBytes} bytes`));
        req.resume(); // drain the rest so the answer can still be written
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(undefined));
    req.once('error', (error: Error) => settle(error));
    req.once('close', () => settle(new Error('the request was closed before its body ended')));
  });
}

/** Whether a response can still be written (not ended, socket not destroyed). */
export function canAnswer(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded && !res.headersSent;
}

/** Writes a complete response with an exact content-length. Does nothing when the response can't be written. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendBytes(res, status, contentType, Buffer.from(text, 'utf8'), headers);
}

/** Writes a complete response of `body` bytes. Does nothing when the response can't be written. */
export function sendBytes(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
  headers: OutgoingHttpHeaders = {},
): void {
  if (!canAnswer(res)) return;
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}

/** Writes `value` as a complete `application/json` response. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/** The media type of a `content-type` header, lower-cased, without parameters (`''` when absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
