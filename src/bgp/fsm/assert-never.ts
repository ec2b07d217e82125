/** Exhaustiveness check for switches over string-literal unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${String(x)}`);
}
