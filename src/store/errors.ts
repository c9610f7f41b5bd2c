/**
 * Why the store refused a request. These are the caller's to fix (bad name, duplicate, missing
 * domain), unlike driver errors (database unreachable, disk full), which pass through as they are.
 */
export class StoreError extends Error {
  /** What to do about it, e.g. the command that creates a missing domain. */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(hint ? `${message} (${hint})` : message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** A name, number or value that is not acceptable (bad characters, too long, empty). */
export class InvalidInputError extends StoreError {
  constructor(
    message: string,
    hint?: string,
    /** The setting to blame, by its API name (`forwardBusy`), when one is. */
    readonly field?: string,
  ) {
    super(message, hint);
  }
}

/** The thing exists already (unique constraint), or removing it would orphan others. */
export class ConflictError extends StoreError {}

/** The request names something that is not there (a subscriber's domain, an alias's target). */
export class NotFoundError extends StoreError {}
