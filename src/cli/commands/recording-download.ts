import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { addApiOptions, type DownloadProgress, usage, withApi } from './api-client.js';
import { byteSize, wholeNumber } from './recording-format.js';
import { addJsonOption } from './store-options.js';
import { printJson } from './with-store.js';

type Flags = Record<string, unknown>;

/** Downloads at least this large (or of unknown size) report progress on stderr. */
export const PROGRESS_THRESHOLD_BYTES = 1024 * 1024;
/** At most one progress line per this interval, and always the last one. */
const PROGRESS_INTERVAL_MS = 1000;

export function registerRecordingDownload(recording: Command, io: CliIo): void {
  const download = recording
    .command('download')
    .description(
      'download the audio: the two-channel WAV (leg 0 left, leg 1 right), or one leg as WAV or pcap',
    )
    .argument('<id>', 'the recording id')
    .option('--leg <n>', 'one leg (0-63) instead of the two-channel mix')
    .option('--pcap', 'the packets as received, as a pcap file (needs --leg)')
    .option(
      '-o, --output <file>',
      'where to write (default <id>.wav, <id>-leg<n>.wav or <id>-leg<n>.pcap); replaced if it exists',
    );
  addApiOptions(addJsonOption(download)).action((id: string, flags: Flags) =>
    withApi(flags, io, async (api) => {
      const leg = flags['leg'] === undefined ? undefined : wholeNumber('--leg', String(flags['leg']), 0, 63);
      const pcap = flags['pcap'] === true;
      if (pcap && leg === undefined) throw usage('--pcap needs --leg <n>: the pcap is per leg');
      const format = pcap ? 'pcap' : 'wav';
      const output =
        (flags['output'] as string | undefined) ??
        (leg === undefined ? `${id}.wav` : `${id}-leg${leg}.${format}`);
      const bytes = await api.download(
        `/v1/recordings/${encodeURIComponent(id)}/audio`,
        { leg, format: leg === undefined ? undefined : format },
        output,
        progressReporter(io),
      );
      if (flags['json'])
        printJson(io, { id, file: output, bytes, ...(leg === undefined ? {} : { leg }), format });
      else io.stdout(`downloaded ${output} (${byteSize(bytes)})\n`);
    }),
  );
}

/** Progress lines on stderr for large downloads: bytes so far, of the total when known. */
export function progressReporter(io: CliIo, now: () => number = Date.now): (p: DownloadProgress) => void {
  let last = 0;
  return ({ bytes, total, done }) => {
    if (total !== undefined && total < PROGRESS_THRESHOLD_BYTES) return;
    if (total === undefined && bytes < PROGRESS_THRESHOLD_BYTES) return;
    const t = now();
    if (!done && t - last < PROGRESS_INTERVAL_MS) return;
    last = t;
    const percent = total ? ` (${Math.floor((bytes * 100) / total)}%)` : '';
    io.stderr(
      `downloaded ${byteSize(bytes)}${total === undefined ? '' : ` of ${byteSize(total)}`}${percent}\n`,
    );
  };
}
