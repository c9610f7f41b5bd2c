/** A value now, or later: what a cache hit or a synchronous store (SQLite) returns without a promise. */
export type Awaitable<T> = T | Promise<T>;

/**
 * `next(value)` at once when `value` is already there, else once it resolves. A REGISTER whose
 * data is cached or read synchronously then runs to its response in one go, without a promise
 * and an async frame per step (each of which the young generation has to collect).
 */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
