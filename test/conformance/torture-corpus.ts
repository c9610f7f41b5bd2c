import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** RFC 4475 messages live in the shared conformance data beside the repository. */
export const torturePath = resolve(
  process.env.SWITCHBOARD_CONFORMANCE_DIR ?? join(here, '../../../shared/conformance'),
  'rfc4475',
);

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
