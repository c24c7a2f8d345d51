/**
 * Dictionary typing: French is the source; every other language must have exactly
 * the same keys. `Widen` turns the literal French strings into `string` while keeping
 * the parameters of the functions (plurals, interpolations).
 */
export type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : T extends object
      ? { [K in keyof T]: Widen<T[K]> }
      : T;

/**
 * Checks that a value has no keys beyond those of `Shape` (excess keys in nested
 * object literals are already rejected by TypeScript; this is for spreads).
 */
export type Exact<Shape, T extends Shape> = T & Record<Exclude<keyof T, keyof Shape>, never>;
