import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type NewRoute, NotFoundError, type RouteChanges, StoreError } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { formatTable } from './table.js';
import { decimal, integer } from './trunk-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

const BAND_HELP =
  "when it applies, repeatable: 'mon-fri 08:00-18:00', 'sat,sun 00:00-24:00' ('always' clears)";

/** `switchboard route …`: least-cost routes, numbers by prefix to trunks. */
export function registerRoute(program: Command, io: CliIo): void {
  const route = program
    .command('route')
    .description(
      'manage least-cost routes: numbers by longest prefix to trunks, by priority and price, in time bands',
    );

  const add = route
    .command('add')
    .description("route numbers starting with a prefix to a trunk ('' for every number)")
    .argument('<prefix>', 'digits the dialled number starts with, e.g. 44 or +4420')
    .argument('<trunk>', 'trunk name')
    .option('--id <id>', 'its id (default: made, e.g. rt-8c1d02e4a7b95f31)')
    .option('--priority <n>', 'lower first among routes of the same prefix (0-65535)')
    .option('--price <amount>', 'price per minute; cheaper first among equal priorities')
    .option('--time-band <band...>', BAND_HELP)
    .option('--description <text>', 'free text for operators')
    .option('--disabled', 'add it disabled');
  addStoreOptions(addJsonOption(add)).action((prefix: string, trunk: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const input: NewRoute = { prefix, trunk, enabled: flags['disabled'] !== true };
      if (typeof flags['id'] === 'string') input.id = flags['id'];
      const priority = integer(flags, 'priority', '--priority');
      if (priority !== undefined) input.priority = priority;
      const price = decimal(flags, 'price', '--price');
      if (price !== undefined) input.price = price;
      const bands = bandsFrom(flags);
      if (bands !== undefined) input.timeBands = bands;
      if (typeof flags['description'] === 'string') input.description = flags['description'];
      const added = await store.trunks.addRoute(input);
      if (flags['json']) printJson(io, added);
      else
        io.stdout(
          `added route ${added.id}: ${added.prefix === '' ? '(every number)' : added.prefix} to ${added.trunk}\n`,
        );
    }),
  );

  const set = route
    .command('set')
    .description("change a route's priority, price, time bands or state")
    .argument('<id>', 'route id')
    .option('--priority <n>', 'lower first among routes of the same prefix')
    .option('--price <amount>', "price per minute ('none' clears)")
    .option('--time-band <band...>', BAND_HELP)
    .option('--description <text>', "free text ('none' clears)")
    .option('--enable', 'use it again')
    .option('--disable', 'stop using it');
  addStoreOptions(addJsonOption(set)).action((id: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const changes: RouteChanges = {};
      const priority = integer(flags, 'priority', '--priority');
      if (priority !== undefined) changes.priority = priority;
      if (flags['price'] === 'none') changes.price = null;
      else {
        const price = decimal(flags, 'price', '--price');
        if (price !== undefined) changes.price = price;
      }
      const bands = bandsFrom(flags);
      if (bands !== undefined) changes.timeBands = bands;
      const description = flags['description'];
      if (typeof description === 'string') changes.description = description === 'none' ? null : description;
      if (flags['enable'] && flags['disable']) throw new UsageError('give --enable or --disable, not both');
      if (flags['enable']) changes.enabled = true;
      if (flags['disable']) changes.enabled = false;
      if (Object.keys(changes).length === 0)
        throw new UsageError(`nothing to change for route ${id}: give a setting, e.g. --price 0.01`);
      const updated = await store.trunks.updateRoute(id, changes);
      if (flags['json']) printJson(io, updated);
      else io.stdout(`updated route ${updated.id}\n`);
    }),
  );

  const list = route
    .command('list')
    .description('list the routes, by prefix')
    .option('--trunk <name>', "only this trunk's")
    .option('--prefix <digits>', 'only prefixes starting with these digits');
  addStoreOptions(addJsonOption(list)).action((flags: Flags) =>
    withStore(flags, io, async (store) => {
      const routes = await store.trunks.listRoutes({
        ...(typeof flags['trunk'] === 'string' ? { trunk: flags['trunk'] } : {}),
        ...(typeof flags['prefix'] === 'string' ? { prefix: flags['prefix'] } : {}),
      });
      if (flags['json']) printJson(io, routes);
      else if (routes.length === 0)
        io.stdout('no routes (add one: switchboard route add 44 carrier-a --price 0.012)\n');
      else
        io.stdout(
          formatTable(
            ['ROUTE', 'PREFIX', 'TRUNK', 'PRIORITY', 'PRICE', 'TIME BANDS', 'ENABLED'],
            routes.map((r) => [
              r.id,
              r.prefix === '' ? "''" : r.prefix,
              r.trunk,
              String(r.priority),
              r.price === undefined ? '-' : String(r.price),
              r.timeBands.length === 0 ? 'always' : r.timeBands.join('; '),
              r.enabled ? 'yes' : 'no',
            ]),
          ),
        );
    }),
  );

  const remove = route.command('remove').description('remove a route').argument('<id>', 'route id');
  addStoreOptions(addJsonOption(remove)).action((id: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      if (!(await store.trunks.removeRoute(id))) throw new NotFoundError(`route ${id} does not exist`);
      if (flags['json']) printJson(io, { removed: id });
      else io.stdout(`removed route ${id}\n`);
    }),
  );

  const load = route
    .command('import')
    .description(
      "add routes from a CSV file, all or none: prefix,trunk[,price[,priority[,time bands joined by ';']]] per line",
    )
    .argument('<file>', "a CSV file ('#' comments; a first line starting with 'prefix' is a header)");
  addStoreOptions(addJsonOption(load)).action((file: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const { routes, lines } = parseRouteFile(readText(file), file);
      try {
        await store.trunks.importRoutes(routes);
      } catch (e) {
        // The store names the row; the operator wants the file's line.
        if (e instanceof StoreError) {
          e.message = e.message
            .replace(/^row (\d+):/, (_, n: string) => `${file} line ${lines[Number(n) - 1]}:`)
            .replace(/\brow (\d+)\b/g, (_, n: string) => `line ${lines[Number(n) - 1]}`);
        }
        throw e;
      }
      if (flags['json']) printJson(io, { imported: routes.length });
      else io.stdout(`imported ${routes.length} route${routes.length === 1 ? '' : 's'}\n`);
    }),
  );
}

function bandsFrom(flags: Flags): string[] | undefined {
  const bands = flags['timeBand'];
  if (!Array.isArray(bands)) return undefined;
  return (bands as string[]).includes('always') ? [] : (bands as string[]);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The routes of a CSV rate deck and the file line each came from. */
export function parseRouteFile(text: string, file: string): { routes: NewRoute[]; lines: number[] } {
  const routes: NewRoute[] = [];
  const lines: number[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || (routes.length === 0 && /^prefix\b/i.test(line))) return;
      const [prefix, trunk, price, priority, bands, ...extra] = line.split(',').map((c) => c.trim());
      const where = `${file} line ${i + 1}`;
      if (prefix === undefined || trunk === undefined || trunk === '' || extra.length > 0) {
        throw new UsageError(`${where}: expected prefix,trunk[,price[,priority[,time bands]]]`);
      }
      const route: NewRoute = { prefix, trunk };
      if (price !== undefined && price !== '') {
        if (!/^\d+(\.\d+)?$/.test(price))
          throw new UsageError(`${where}: price ${JSON.stringify(price)} is not a number`);
        route.price = Number(price);
      }
      if (priority !== undefined && priority !== '') {
        if (!/^\d+$/.test(priority))
          throw new UsageError(`${where}: priority ${JSON.stringify(priority)} is not a whole number`);
        route.priority = Number(priority);
      }
      if (bands !== undefined && bands !== '') route.timeBands = bands.split(';').map((b) => b.trim());
      routes.push(route);
      lines.push(i + 1);
    });
  return { routes, lines };
}
