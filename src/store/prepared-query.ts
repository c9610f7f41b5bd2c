import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';

/** What runs a compiled query: a Kysely instance or a transaction. */
export interface QueryExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * A query built and compiled once, run many times with new parameters. Kysely otherwise builds
 * and compiles a query tree for every call, which on a registrar's hot paths (a subscriber looked
 * up per first REGISTER, a thousand bindings written back a second) cost more than the database.
 * The template's parameters only mark positions; `run` binds the real ones in the same order,
 * so one template serves SQLite (`?`) and PostgreSQL (`$1`) alike.
 */
export class PreparedQuery<Row> {
  /** The compiled text, also prepared directly on the embedded SQLite connection (sql-store.ts). */
  readonly sql: string;

  constructor(
    template: Compilable<Row>,
    /** How many parameters a run must bind (checked: a mismatch would bind the wrong columns). */
    readonly parameterCount: number,
  ) {
    const compiled = template.compile();
    if (compiled.parameters.length !== parameterCount) {
      throw new Error(
        `prepared query expects ${parameterCount} parameters, its template has ${compiled.parameters.length}`,
      );
    }
    this.sql = compiled.sql;
  }

  run(db: QueryExecutor, parameters: readonly unknown[]): Promise<QueryResult<Row>> {
    if (parameters.length !== this.parameterCount) {
      throw new Error(`prepared query expects ${this.parameterCount} parameters, got ${parameters.length}`);
    }
    return db.executeQuery(CompiledQuery.raw(this.sql, [...parameters]) as CompiledQuery<Row>);
  }
}
