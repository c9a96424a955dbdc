// lib/core/bounded-body.ts
// readBoundedBody(): an HTTP answer's body as text, capped on the wire and after decompression, never buffered unbounded.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createUnzip } from 'node:zlib';

/** Why a body was not read: too large (on the wire or once decompressed), an unknown encoding, or corrupt data. */
export class BodyReadError extends Error {
  constructor(
    readonly reason: 'too-large' | 'encoding' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

function decoderFor(encoding: string): Transform | undefined | null {
  switch (encoding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      return createUnzip();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/**
 * Reads `response` up to `maxBytes`, both as received and as decompressed (gzip, deflate, br). Past either cap the
 * read is aborted at once (the socket destroyed, the decompressor stopped): a small gzip body that would inflate to
 * gigabytes costs at most `maxBytes` plus one decompressor chunk.
 */
export function readBoundedBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    const encoding = String(response.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const decoder = decoderFor(encoding);
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let settled = false;
    const fail = (error: BodyReadError): void => {
      if (settled) return;
      settled = true;
      decoder?.destroy();
      response.destroy();
      reject(error);
    };
    const tooLarge = (where: string): BodyReadError =>
      new BodyReadError('too-large', `the answer is larger than ${maxBytes} bytes ${where}`);

    if (decoder === null) {
      fail(new BodyReadError('encoding', 'the answer has an unsupported content-encoding'));
      return;
    }
    if (Number.isFinite(declared) && declared > maxBytes) {
      fail(tooLarge('(content-length)'));
      return;
    }
    const keep = (chunk: Buffer, where: string): void => {
      if (settled) return;
      bodyBytes += chunk.length;
      if (bodyBytes > maxBytes) fail(tooLarge(where));
      else chunks.push(chunk);
    };
    response.on('error', () => fail(new BodyReadError('corrupt', 'the answer was cut off')));
    // Not compressed: what comes on the wire is the body (one listener counts it once).
    if (decoder === undefined) response.on('data', (chunk: Buffer) => keep(chunk, 'on the wire'));
    else {
      response.on('data', (chunk: Buffer) => {
        wireBytes += chunk.length;
        if (wireBytes > maxBytes) fail(tooLarge('on the wire'));
      });
      decoder.on('data', (chunk: Buffer) => keep(chunk, 'once decompressed'));
      decoder.on('error', () => fail(new BodyReadError('corrupt', `the answer is not valid ${encoding} data`)));
    }
    (decoder ?? response).on('end', () => {
      if (settled) return;
      settled = true;
      resolve((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'));
    });
    response.on('close', () => {
      if (!response.complete) fail(new BodyReadError('corrupt', 'the answer was cut off'));
    });
    if (decoder !== undefined) response.pipe(decoder);
  });
}
