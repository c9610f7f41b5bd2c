import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SqlProvisioningStore } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { type ImportLine, type ImportProblem, parseImportFile } from './import-file.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

/** Problems printed before "… and N more": enough to see the pattern of a broken file. */
const SHOWN_PROBLEMS = 20;
const PROGRESS_EVERY = 1000;

/**
 * `subscriber import FILE`: all or nothing. Every line is checked first (syntax, names, duplicates,
 * missing domains, subscribers that already exist); if any is bad, each problem is listed with its
 * line number and nothing is imported, so a fixed file can simply be run again.
 */
export function registerSubscriberImport(subscriber: Command, io: CliIo): void {
  const command = subscriber
    .command('import')
    .description('add many subscribers from a TSV or CSV file, all or nothing')
    .argument(
      '<file>',
      'lines of username, domain, password[, display name]; .tsv/.tab or .csv (else sniffed)',
    )
    .option('--dry-run', 'check the file against the store, import nothing');
  command.addHelpText(
    'after',
    '\nLines are tab- or comma-separated (CSV may quote fields); a first line starting with "username" is a\n' +
      'header; blank lines and # comments are skipped. Domains must exist. Any bad line refuses the whole\n' +
      'import (exit 2) and lists every problem with its line number.\n',
  );
  addStoreOptions(addJsonOption(command)).action((file: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const parsed = parseImportFile(text, file);
      const problems = [...parsed.problems, ...(await storeProblems(store, parsed.rows))];
      if (problems.length > 0) {
        problems.sort((a, b) => a.line - b.line);
        for (const p of problems.slice(0, SHOWN_PROBLEMS)) io.stderr(`${file}:${p.line}: ${p.message}\n`);
        if (problems.length > SHOWN_PROBLEMS) io.stderr(`… and ${problems.length - SHOWN_PROBLEMS} more\n`);
        throw new UsageError(
          `${problems.length} bad line${problems.length === 1 ? '' : 's'} in ${file}: nothing imported (fix them and run again)`,
        );
      }
      const total = parsed.rows.length;
      const started = performance.now();
      let imported = 0;
      if (!flags['dryRun']) {
        let next = PROGRESS_EVERY;
        imported = await store.importSubscribers(
          parsed.rows.map((r) => r.subscriber),
          ({ done }) => {
            for (; done >= next; next += PROGRESS_EVERY) io.stderr(`imported ${next} of ${total}\n`);
          },
        );
      }
      const seconds = (performance.now() - started) / 1000;
      const domains = new Set(parsed.rows.map((r) => r.subscriber.domain)).size;
      if (flags['json']) {
        printJson(io, { file, format: parsed.format, checked: total, imported, domains, seconds });
      } else if (flags['dryRun']) {
        io.stdout(
          `${file}: ${total} subscribers in ${domains} domain(s) checked, none imported (--dry-run)\n`,
        );
      } else {
        io.stdout(
          `imported ${imported} subscribers into ${domains} domain(s) from ${file} in ${seconds.toFixed(1)}s\n`,
        );
      }
    }),
  );
}

/** Lines naming a domain that does not exist, or a user that is already a subscriber or alias. */
async function storeProblems(store: SqlProvisioningStore, rows: ImportLine[]): Promise<ImportProblem[]> {
  const problems: ImportProblem[] = [];
  const byDomain = new Map<string, ImportLine[]>();
  for (const row of rows) {
    const lines = byDomain.get(row.subscriber.domain);
    if (lines === undefined) byDomain.set(row.subscriber.domain, [row]);
    else lines.push(row); // not a copy per line: 100,000 lines in one domain took minutes
  }
  for (const [domain, lines] of byDomain) {
    if (!(await store.hasDomain(domain))) {
      const hint = `add it first: switchboard domain add ${domain}`;
      const others = lines.length > 1 ? ` and ${lines.length - 1} more line(s)` : '';
      problems.push({ line: lines[0]!.line, message: `domain ${domain} does not exist${others} (${hint})` });
      continue;
    }
    const subscribers = new Set((await store.listSubscribers(domain)).map((s) => s.username));
    const aliases = new Map((await store.listAliases(domain)).map((a) => [a.alias, a]));
    for (const { line, subscriber } of lines) {
      const address = `${subscriber.username}@${domain}`;
      const alias = aliases.get(subscriber.username);
      if (subscribers.has(subscriber.username))
        problems.push({ line, message: `subscriber ${address} already exists` });
      else if (alias)
        problems.push({
          line,
          message: `${address} is already an ${alias.kind} of ${alias.username}@${domain}`,
        });
    }
  }
  return problems;
}
