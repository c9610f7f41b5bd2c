import { extname } from 'node:path';
import {
  checkDisplayName,
  checkDomain,
  checkPassword,
  checkUser,
  type NewSubscriber,
  StoreError,
} from '../../store/index.js';

export type ImportFormat = 'csv' | 'tsv';

export interface ImportLine {
  line: number;
  subscriber: NewSubscriber;
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ParsedImport {
  format: ImportFormat;
  rows: ImportLine[];
  problems: ImportProblem[];
}

const COLUMNS = 'username, domain, password[, display name]';

/**
 * Reads a subscriber file: one subscriber per line as `username, domain, password[, display name]`,
 * tab-separated (.tsv, .tab) or comma-separated with RFC 4180 quotes (.csv); other names are
 * sniffed from the first line. Blank lines and `#` comments are skipped, and so is a first line
 * starting with the `username` header. Every line is checked; problems carry line numbers.
 */
export function parseImportFile(text: string, fileName: string): ParsedImport {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const format = formatOf(fileName, lines);
  const rows: ImportLine[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  let first = true;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const fields = format === 'tsv' ? raw.split('\t') : splitCsv(raw);
    const isHeader = first && fields?.[0]?.trim().toLowerCase() === 'username';
    first = false;
    if (isHeader) return;
    if (fields === undefined) {
      problems.push({ line, message: 'unterminated quoted field' });
      return;
    }
    if (fields.length < 3 || fields.length > 4) {
      problems.push({ line, message: `expected 3 or 4 fields (${COLUMNS}), got ${fields.length}` });
      return;
    }
    try {
      const [username, domain, password, displayName] = fields as [string, string, string, string?];
      const subscriber: NewSubscriber = {
        username: checkUser(username.trim()),
        domain: checkDomain(domain),
        // Passwords are taken exactly as written: spaces may be part of them.
        password: checkPassword(password),
      };
      const name = checkDisplayName(displayName);
      if (name !== undefined) subscriber.displayName = name;
      const key = `${subscriber.username}@${subscriber.domain}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        problems.push({ line, message: `${key} is also on line ${earlier}` });
        return;
      }
      seen.set(key, line);
      rows.push({ line, subscriber });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      problems.push({ line, message: e.message });
    }
  });
  return { format, rows, problems };
}

function formatOf(fileName: string, lines: string[]): ImportFormat {
  const ext = extname(fileName).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  const sample = lines.find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  return sample.includes('\t') ? 'tsv' : 'csv';
}

/** One CSV record (RFC 4180: `"` quotes, `""` inside quotes); undefined if a quote is left open. */
export function splitCsv(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
