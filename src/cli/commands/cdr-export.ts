import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Cdr } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { csvHeader, csvRecord, ndjsonRecord } from './cdr-export-format.js';
import { addCdrFilterOptions, cdrFilterOf } from './cdr-filter.js';
import { addStoreOptions } from './store-options.js';
import { UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;
export type ExportFormat = 'csv' | 'json';

/** Lines are gathered into chunks of about this many characters per write. */
const CHUNK_CHARS = 64 * 1024;
/** A progress line on stderr at most this often (ms), so a long export shows it is moving. */
const PROGRESS_EVERY_MS = 1000;

/**
 * Writes `rows` to `out` as CSV (RFC 4180, with a header) or NDJSON, waiting for `out` to drain
 * whenever it asks to (so memory holds one chunk, whatever the number of rows). Returns the count.
 */
export async function writeCdrs(
  rows: AsyncIterable<Cdr>,
  format: ExportFormat,
  out: Writable,
  onProgress: (written: number) => void = () => {},
): Promise<number> {
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure ??= error;
  };
  const closedByReader = () => (failure as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  out.on('error', onError);
  const write = async (text: string) => {
    if (failure) throw failure;
    if (!out.write(text)) {
      await Promise.race([once(out, 'drain'), once(out, 'error')]);
      if (failure) throw failure;
    }
  };
  let count = 0;
  let chunk = format === 'csv' ? csvHeader() : '';
  try {
    for await (const cdr of rows) {
      chunk += format === 'csv' ? csvRecord(cdr) : ndjsonRecord(cdr);
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        await write(chunk);
        chunk = '';
        onProgress(count);
      }
    }
    if (chunk.length > 0) await write(chunk);
  } catch (error) {
    // The reader closed the pipe (`| head`): what it wanted it has; not a failure.
    if (!closedByReader()) throw error;
  } finally {
    out.off('error', onError);
  }
  return count;
}

/**
 * Progress on stderr at most every `everyMs` (rows so far and the rate), so that a long export
 * shows it is moving while a short one prints nothing but its count.
 */
export function progressReporter(
  io: Pick<CliIo, 'stderr'>,
  everyMs = PROGRESS_EVERY_MS,
  now: () => number = Date.now,
): { report: (written: number) => void; reported: () => boolean } {
  const started = now();
  let last = started;
  return {
    report(written) {
      const at = now();
      if (at - last < everyMs) return;
      last = at;
      const rate = Math.round(written / ((at - started) / 1000));
      io.stderr(`exported ${written} CDRs (${rate}/s)\n`);
    },
    reported: () => last !== started,
  };
}

function formatOf(flags: Flags): ExportFormat {
  const format = String(flags['format'] ?? 'csv');
  if (format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format ${JSON.stringify(format)}: expected csv or json`);
  }
  return format;
}

/** A Writable onto `io.stdout` for an io without a real stream (tests run the CLI in-process). */
function stdoutOf(io: CliIo): Writable {
  if (io.stdoutStream) return io.stdoutStream;
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stdout(chunk.toString());
      done();
    },
  });
}

/** Closes a file stream, its data flushed. */
async function finish(stream: Writable): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** `switchboard cdr export`: every matching CDR, streamed as CSV or NDJSON. */
export function registerCdrExport(cdr: Command, io: CliIo): void {
  const command = addCdrFilterOptions(
    cdr
      .command('export')
      .description(
        'export every matching CDR, oldest first, as CSV or NDJSON (streamed: any number of rows)',
      ),
  )
    .option(
      '--format <f>',
      'csv (RFC 4180, header line, CRLF) or json (NDJSON: one CDR object a line)',
      'csv',
    )
    .option(
      '--output <file>',
      'write to this file (through <file>.part, renamed when complete) instead of stdout',
    );
  command.addHelpText(
    'after',
    '\nRows are read from the store a page at a time and written as they come, so memory stays flat for\n' +
      'millions of CDRs. A progress line goes to stderr every second of a long export, and the count\n' +
      'at its end (always with --output).\n' +
      'CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, e.g.\n' +
      "a caller name a peer chose) get a leading ' so they open as text (OWASP CSV injection);\n" +
      'plain numbers are left as they are. NDJSON is written unchanged.\n' +
      'Examples:\n' +
      '  switchboard cdr export --from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --output jan.csv\n' +
      '  switchboard cdr export --trunk carrier-out --format json | jq -c .billableSeconds\n',
  );
  addStoreOptions(command).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { limit: _limit, after: _after, ...filter } = cdrFilterOf(flags);
      const format = formatOf(flags);
      const file = typeof flags['output'] === 'string' ? flags['output'] : undefined;
      const progress = progressReporter(io);
      const rows = store.cdrs.exportCdrs(filter);
      if (!file) {
        const count = await writeCdrs(rows, format, stdoutOf(io), progress.report);
        if (progress.reported()) io.stderr(`exported ${count} CDRs\n`);
        return;
      }
      const partial = `${file}.part`;
      const stream = createWriteStream(partial);
      try {
        await once(stream, 'open');
        const count = await writeCdrs(rows, format, stream, progress.report);
        await finish(stream);
        await rename(partial, file);
        io.stderr(`exported ${count} CDRs to ${file}\n`);
      } catch (e) {
        stream.destroy();
        await rm(partial, { force: true });
        const error = e as NodeJS.ErrnoException;
        if (error.syscall === 'open') throw new UsageError(`--output ${file}: ${error.message}`);
        throw e;
      }
    }),
  );
}
