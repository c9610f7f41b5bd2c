import { type FileHandle, open as openFile } from 'node:fs/promises';
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';
/** Chunks per writev (IOV_MAX is 1024 on Linux). */
const MAX_BATCH = 256;
const DEFAULT_CHUNK = 64 * 1024;

/**
 * Written chunks of the default size, kept for reuse: a recorder writes tens of MB/s through
 * thousands of files, and a fresh 64 KiB Buffer per chunk is external memory that V8 answers with
 * full garbage collections. Bounded: beyond it, chunks are left to the collector.
 */
const spareChunks: Buffer[] = [];
const MAX_SPARE_CHUNKS = 512;

function takeChunk(bytes: number): Buffer {
  return (bytes === DEFAULT_CHUNK ? spareChunks.pop() : undefined) ?? Buffer.allocUnsafe(bytes);
}

function giveBack(chunks: Buffer[]): void {
  for (const chunk of chunks) {
    // Only whole chunks of the default size, still owning their whole memory.
    if (chunk.length === DEFAULT_CHUNK && chunk.byteOffset === 0 && spareChunks.length < MAX_SPARE_CHUNKS) {
      spareChunks.push(chunk);
    }
  }
}

export interface BufferedFileOptions {
  /** Size of each write handed to the OS. */
  chunkBytes?: number;
  /** Bytes waiting for the disk beyond which the file is marked failed (the disk cannot keep up). */
  maxPendingBytes?: number;
  /** Called once, on the first failure (open, write, backlog). */
  onError?: (error: Error) => void;
}

/**
 * An append-only file fed synchronously from a hot path: bytes are copied into a chunk and full
 * chunks are written asynchronously, in order, through one file handle. A failure (open, write,
 * backlog) never throws into the caller: it is kept in `error`, reported once via `onError`, and
 * further appends are discarded. Memory is bounded by `maxPendingBytes`.
 */
export class BufferedFile {
  /** The first failure, if any. */
  error: Error | undefined;
  /** Bytes appended so far (the file's size once closed, if no error). */
  size = 0;

  private readonly chunkBytes: number;
  private readonly maxPendingBytes: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly handle: Promise<FileHandle | undefined>;
  private chunk: Buffer;
  private fill = 0;
  private readonly queue: Buffer[] = [];
  private pendingBytes = 0;
  private filePosition = 0;
  private draining: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly path: string,
    options: BufferedFileOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.onError = options.onError;
    this.chunk = takeChunk(this.chunkBytes);
    this.handle = openFile(path, 'w').then(
      (h) => h,
      (err: unknown) => {
        this.fail(err);
        return undefined;
      },
    );
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Copies bytes to the end of the file. */
  append(bytes: Uint8Array): void {
    if (this.error || this.closing) return;
    let offset = 0;
    const n = bytes.length;
    this.size += n;
    while (offset < n) {
      const room = this.chunkBytes - this.fill;
      const take = Math.min(room, n - offset);
      this.chunk.set(take === n && offset === 0 ? bytes : bytes.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.chunkBytes) this.pushChunk();
    }
  }

  /**
   * Room for `n` bytes (n <= chunkBytes) at the end of the file, to be filled by the caller before
   * any other call: saves a copy for small fixed records. Returns the chunk and the offset in it.
   */
  reserve(n: number): { buffer: Buffer; offset: number } | undefined {
    if (this.error || this.closing || n > this.chunkBytes) return undefined;
    if (this.fill + n > this.chunkBytes) this.pushChunk();
    const offset = this.fill;
    this.fill += n;
    this.size += n;
    return { buffer: this.chunk, offset };
  }

  /** Appends 16-bit samples little-endian (RIFF and pcap byte order here). */
  appendInt16(samples: Int16Array): void {
    if (LITTLE_ENDIAN) {
      this.append(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
      return;
    }
    const bytes = Buffer.allocUnsafe(samples.length * 2);
    for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
    this.append(bytes);
  }

  /** Appends `n` zero bytes. */
  appendZeros(n: number): void {
    if (this.error || this.closing) return;
    this.size += n;
    let left = n;
    while (left > 0) {
      const take = Math.min(this.chunkBytes - this.fill, left);
      this.chunk.fill(0, this.fill, this.fill + take);
      this.fill += take;
      left -= take;
      if (this.fill === this.chunkBytes) this.pushChunk();
    }
  }

  /**
   * Writes what is buffered, then `patches` (bytes at absolute positions, e.g. a header's sizes),
   * and closes the handle. Safe to call more than once; never rejects.
   */
  close(patches: Array<{ position: number; bytes: Uint8Array }> = []): Promise<void> {
    if (!this.closing) this.closing = this.finish(patches);
    return this.closing;
  }

  private async finish(patches: Array<{ position: number; bytes: Uint8Array }>): Promise<void> {
    if (this.fill > 0 && !this.error) this.pushChunk();
    await this.drain();
    const handle = await this.handle;
    if (!handle) return;
    try {
      if (!this.error) {
        for (const patch of patches) await handle.write(patch.bytes, 0, patch.bytes.length, patch.position);
      }
    } catch (err) {
      this.fail(err);
    }
    try {
      await handle.close();
    } catch (err) {
      this.fail(err);
    }
  }

  private pushChunk(): void {
    const full = this.fill === this.chunkBytes ? this.chunk : this.chunk.subarray(0, this.fill);
    this.queue.push(full);
    this.pendingBytes += full.length;
    this.chunk = takeChunk(this.chunkBytes);
    this.fill = 0;
    if (this.pendingBytes > this.maxPendingBytes) {
      this.fail(new Error(`write backlog over ${this.maxPendingBytes} bytes: ${this.path}`));
      return;
    }
    if (!this.draining) this.draining = this.drainLoop();
  }

  private async drain(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drainLoop(): Promise<void> {
    const handle = await this.handle;
    try {
      while (handle && !this.error && this.queue.length > 0) {
        // Everything queued goes in one writev: a slow turn of the loop never leaves chunks behind.
        const batch = this.queue.splice(0, MAX_BATCH);
        let total = 0;
        for (const chunk of batch) total += chunk.length;
        let { bytesWritten } = await handle.writev(batch, this.filePosition);
        this.filePosition += bytesWritten;
        if (bytesWritten < total) {
          // Partial write: finish the rest chunk by chunk.
          const rest = Buffer.concat(batch).subarray(bytesWritten);
          let done = 0;
          while (done < rest.length) {
            ({ bytesWritten } = await handle.write(rest, done, rest.length - done, this.filePosition));
            done += bytesWritten;
            this.filePosition += bytesWritten;
          }
        }
        this.pendingBytes -= total;
        giveBack(batch);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.queue.length = 0;
      this.draining = undefined;
    }
  }

  private fail(err: unknown): void {
    if (this.error) return;
    this.error = err instanceof Error ? err : new Error(String(err));
    this.queue.length = 0;
    this.pendingBytes = 0;
    this.onError?.(this.error);
  }
}
