import { open } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { parseRange } from './range.js';

export interface FileToSend {
  path: string;
  contentType: string;
  /** The name a browser saves it under. */
  filename: string;
}

/**
 * Streams a file with byte-range support (RFC 9110 §14), because audio players seek by asking for
 * ranges. The file is opened before it is measured so that the length sent is the length of what
 * is read even if the file is being replaced; a file still growing is served up to its size then.
 */
export async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: FileToSend,
): Promise<FastifyReply> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ApiError(404, 'not-found', `the file ${file.filename} is not there any more`);
    }
    throw error;
  }
  let streaming = false;
  try {
    const stat = await handle.stat();
    const size = stat.size;
    // A strong validator (RFC 9110 §8.8.3) from size and modification time; If-Range needs one.
    const etag = `"${size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    reply.header('Accept-Ranges', 'bytes');
    reply.header('ETag', etag);
    reply.header('Last-Modified', stat.mtime.toUTCString());
    reply.header('Content-Disposition', `inline; filename="${file.filename}"`);

    // RFC 9110 §13.1.5: a Range whose If-Range does not match is ignored; only the ETag is
    // compared (a date is a weak validator here), so a stale player gets the whole new file.
    const ifRange = request.headers['if-range'];
    const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
    const range = parseRange(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${size}`);
      throw new ApiError(
        416,
        'range-not-satisfiable',
        `the range ${rangeHeader} lies outside the ${size} bytes`,
      );
    }
    const start = range.kind === 'part' ? range.start : 0;
    const end = range.kind === 'part' ? range.end : size - 1;
    if (range.kind === 'part') {
      reply.code(206);
      reply.header('Content-Range', `bytes ${start}-${end}/${size}`);
    }
    reply.header('Content-Type', file.contentType);
    reply.header('Content-Length', String(end - start + 1));
    if (size === 0) return reply.send(Buffer.alloc(0));
    // The stream closes the handle when it ends or the client goes away (autoClose).
    const stream = handle.createReadStream({ start, end });
    streaming = true;
    return reply.send(stream);
  } finally {
    if (!streaming) await handle.close().catch(() => undefined);
  }
}
