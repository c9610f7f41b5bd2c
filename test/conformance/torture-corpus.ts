import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The RFC 4475 messages, kept in the repository (rfc4475/, byte-exact: see .gitattributes) so that a
 * clone alone passes its tests. SWITCHBOARD_CONFORMANCE_DIR may point at another copy (its rfc4475/).
 */
export const torturePath = process.env.SWITCHBOARD_CONFORMANCE_DIR
  ? resolve(process.env.SWITCHBOARD_CONFORMANCE_DIR, 'rfc4475')
  : join(here, 'rfc4475');

export interface TortureCase {
  file: string;
  section: string;
  kind: 'valid' | 'invalid' | 'semantic';
  what: string;
  expected: string;
  data: Buffer;
}

export function loadTortureCases(): TortureCase[] {
  const index = readFileSync(join(torturePath, 'INDEX.tsv'), 'latin1').trim().split('\n').slice(1);
  return index.map((line) => {
    const [file, section, kind, what, expected] = line.split('\t') as [
      string,
      string,
      string,
      string,
      string,
    ];
    return {
      file,
      section,
      kind: kind as TortureCase['kind'],
      what,
      expected,
      data: readFileSync(join(torturePath, file)),
    };
  });
}
