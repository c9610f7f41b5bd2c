import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger } from 'pino';

/**
 * JSON logs, one object per line on stdout (or `destination`, for tests). Levels are written as
 * names and times as ISO strings so the lines read well in `journalctl` and need no decoder.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    name: 'switchboard',
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
