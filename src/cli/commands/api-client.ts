import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
/** JSON calls are small; a node that does not answer within this is stuck or unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A failed API call, with the message for people and the exit code it ends the command with. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** The API's error body: `{ error: { code, message, field? } }`. */
interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Adds `--api-url` and `--api-key` (with their environment variables) to a command. */
export function addApiOptions(command: Command): Command {
  return command
    .option('--api-url <url>', `the node's HTTP API [env SWITCHBOARD_API_URL] (default ${DEFAULT_API_URL})`)
    .option(
      '--api-key <key>',
      'API key, from `switchboard apikey add` [env SWITCHBOARD_API_KEY] (note: command lines show in ps)',
    );
}

export interface Query {
  [name: string]: string | number | undefined;
}

export interface DownloadProgress {
  bytes: number;
  /** From Content-Length; undefined when the server did not say. */
  total: number | undefined;
  done: boolean;
}

/** A small client for the node's /v1 API over Node's fetch. */
export class ApiClient {
  constructor(
    readonly baseUrl: URL,
    private readonly key: string,
  ) {}

  /** The URL of an API path (the base URL may carry a path prefix, e.g. behind a reverse proxy). */
  url(path: string, query: Query = {}): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** A JSON call: the parsed body, or undefined for 204. Throws ApiCallError. */
  async json<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.send(this.url(path, options.query), {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw await this.failure(response);
    if (response.status === 204) return { status: 204, body: undefined as T };
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as T };
    } catch {
      throw new ApiCallError(
        `the API at ${this.baseUrl.href} answered HTTP ${response.status} with a body that is not JSON: is it a Switchboard node?`,
        EXIT_FAILURE,
      );
    }
  }

  /**
   * Streams a GET to `destination` through `<destination>.part`, renamed when complete, so that a
   * failed download never leaves a truncated file under the final name.
   */
  async download(
    path: string,
    query: Query,
    destination: string,
    onProgress: (progress: DownloadProgress) => void,
  ): Promise<number> {
    const response = await this.send(this.url(path, query), {
      headers: { authorization: `Bearer ${this.key}` },
    });
    if (!response.ok) throw await this.failure(response);
    const length = Number(response.headers.get('content-length'));
    const total = Number.isFinite(length) && length >= 0 ? length : undefined;
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        onProgress({ bytes, total, done: false });
        done(null, chunk);
      },
    });
    const partial = `${destination}.part`;
    try {
      const body = response.body
        ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
        : Readable.from([]);
      await pipeline(body, count, createWriteStream(partial));
      if (total !== undefined && bytes !== total) {
        throw new Error(`the download ended after ${bytes} of ${total} bytes`);
      }
      await rename(partial, destination);
    } catch (e) {
      await rm(partial, { force: true });
      if (e instanceof ApiCallError) throw e;
      throw new ApiCallError(`download to ${destination} failed: ${(e as Error).message}`, EXIT_FAILURE);
    }
    onProgress({ bytes, total, done: true });
    return bytes;
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (e) {
      throw this.unreachable(e);
    }
  }

  private unreachable(e: unknown): ApiCallError {
    const error = e as Error & { cause?: { code?: string; message?: string } };
    if (error.name === 'TimeoutError') {
      return new ApiCallError(
        `the Switchboard API at ${this.baseUrl.href} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`,
        EXIT_FAILURE,
      );
    }
    const why = error.cause?.code ?? error.cause?.message ?? error.message;
    return new ApiCallError(
      `cannot reach the Switchboard API at ${this.baseUrl.href}: is \`switchboard start\` running? (${why})`,
      EXIT_FAILURE,
    );
  }

  /** An error response as a message for people; refusals (4xx) exit 2, the node's failures 1. */
  private async failure(response: Response): Promise<ApiCallError> {
    const text = await response.text().catch(() => '');
    let error: ApiErrorBody['error'] | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<ApiErrorBody>;
      if (typeof parsed.error?.message === 'string') error = parsed.error;
    } catch {
      // Not ours (a proxy's HTML page, say): the status line is all there is.
    }
    const status = response.status;
    const said = error?.message ?? `HTTP ${status} ${response.statusText}`.trim();
    const code = status >= 400 && status < 500 ? EXIT_USAGE : EXIT_FAILURE;
    if (status === 401 || status === 403) {
      return new ApiCallError(
        `the API refused the key (${said}): give a key made by \`switchboard apikey add <name>\` on that node, with --api-key or SWITCHBOARD_API_KEY`,
        code,
      );
    }
    const flag = error?.field ? FIELD_FLAGS[error.field.split('/')[0]!] : undefined;
    if (status === 400) return new ApiCallError(`${said}${flag ? ` (${flag})` : ''}`, code);
    if (status === 404 || status === 409 || status === 416) return new ApiCallError(said, code);
    if (status === 502) return new ApiCallError(`the media server failed: ${said}`, code);
    if (status === 503) return new ApiCallError(`the node cannot do this now: ${said}`, code);
    return new ApiCallError(`the API answered HTTP ${status}: ${said}`, code);
  }
}

/** The request fields the API names in `error.field`, as the flags that set them. */
const FIELD_FLAGS: Record<string, string> = {
  callId: '<call-id>',
  mediaServer: '--media-server',
  fromTags: '--from-tag',
  store: '--no-store',
  streamUrl: '--stream',
  status: '--status',
  limit: '--limit',
  offset: '--offset',
  leg: '--leg',
  format: '--pcap',
  id: '<id>',
  subscriber: '<subscriber>',
};

/** Bad input found before calling the API: exit code 2. */
export function usage(message: string): ApiCallError {
  return new ApiCallError(message, EXIT_USAGE);
}

/** The client for a command's --api-url/--api-key (or their environment variables). */
export function clientFrom(flags: Record<string, unknown>, io: CliIo): ApiClient {
  const rawUrl = (flags['apiUrl'] as string | undefined) ?? io.env['SWITCHBOARD_API_URL'] ?? DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw usage(`--api-url ${rawUrl} is not a URL (e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`--api-url ${rawUrl} must be an http:// or https:// URL`);
  }
  const key = ((flags['apiKey'] as string | undefined) ?? io.env['SWITCHBOARD_API_KEY'] ?? '').trim();
  if (key === '') {
    throw usage(
      'an API key is required: give --api-key <key> or set SWITCHBOARD_API_KEY (make one with `switchboard apikey add <name>`)',
    );
  }
  return new ApiClient(url, key);
}

/** Runs an API command: builds the client, runs `action`, prints a failure and exits. */
export async function withApi(
  flags: Record<string, unknown>,
  io: CliIo,
  action: (client: ApiClient) => Promise<void>,
): Promise<void> {
  let code = EXIT_OK;
  try {
    await action(clientFrom(flags, io));
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e;
    io.stderr(`error: ${e.message}\n`);
    code = e.exitCode;
  }
  io.exit(code);
}
