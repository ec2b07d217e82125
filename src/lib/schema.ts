// A small schema kit for values parsed from YAML or JSON (the agent config, the ports file).
// A Schema reads an unknown value at a path and returns the typed value, or records issues and
// returns INVALID. Every problem is recorded, not just the first: an object reads all its fields
// even when some are bad. Issue codes are `${prefix}_${KIND}` so each user of the kit keeps its
// own code space (ERR_CONFIG_TYPE, ERR_PORT_TYPE, ...).

export type PathSegment = string | number;

export interface Issue {
  /** where, e.g. "uplinks[1].peerAsn"; "" for the document itself */
  readonly path: string;
  readonly segments: readonly PathSegment[];
  /** stable machine-readable code, e.g. "ERR_CONFIG_RANGE" */
  readonly code: string;
  readonly message: string;
  /** 1-based position in the source text, when known */
  readonly line?: number;
  readonly column?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "uplinks[1].peerAsn" from ["uplinks", 1, "peerAsn"]. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Collects issues; `kind` becomes the code suffix. */
export class Issues {
  readonly #prefix: string;
  readonly list: Issue[] = [];
  constructor(codePrefix: string) {
    this.#prefix = codePrefix;
  }
  add(segments: readonly PathSegment[], kind: string, message: string): void {
    this.list.push({ path: formatPath(segments), segments: [...segments], code: `${this.#prefix}_${kind}`, message });
  }
  get count(): number {
    return this.list.length;
  }
}

/** "agent.yaml:12:5: uplinks[1].peerAsn: expected ... [ERR_CONFIG_ASN]" */
export function formatIssue(issue: Issue, file?: string): string {
  const where = [file, issue.line, issue.line !== undefined ? issue.column : undefined].filter((x) => x !== undefined).join(':');
  const parts = [where, issue.path].filter((x) => x !== '' && x !== undefined);
  return `${parts.length > 0 ? `${parts.join(': ')}: ` : ''}${issue.message} [${issue.code}]`;
}

export const INVALID: unique symbol = Symbol('invalid');
export type Read<T> = T | typeof INVALID;

export interface Schema<T> {
  /** what a good value looks like, for messages: "an integer from 1 to 65535" */
  readonly expected: string;
  read(value: unknown, path: readonly PathSegment[], issues: Issues): Read<T>;
}

/** A short description of what was found, for "expected X, got Y" messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const typeIssue = (issues: Issues, path: readonly PathSegment[], expected: string, value: unknown): typeof INVALID => {
  issues.add(path, 'TYPE', `expected ${expected}, got ${describe(value)}`);
  return INVALID;
};

// ---------------------------------------------------------------- scalars

export function str(opts: { expected?: string; pattern?: RegExp; minLength?: number; maxLength?: number; kind?: string } = {}): Schema<string> {
  const min = opts.minLength ?? 1;
  const expected = opts.expected ?? (min > 0 ? 'a non-empty string' : 'a string');
  return {
    expected,
    read(value, path, issues) {
      if (typeof value !== 'string') return typeIssue(issues, path, expected, value);
      if (value.length < min || (opts.maxLength !== undefined && value.length > opts.maxLength) || (opts.pattern && !opts.pattern.test(value))) {
        issues.add(path, opts.kind ?? 'VALUE', `expected ${expected}, got ${describe(value)}`);
        return INVALID;
      }
      return value;
    },
  };
}

export function int(min: number, max: number, expected = `an integer from ${min} to ${max}`): Schema<number> {
  return {
    expected,
    read(value, path, issues) {
      if (typeof value !== 'number' || !Number.isInteger(value)) return typeIssue(issues, path, expected, value);
      if (value < min || value > max) {
        issues.add(path, 'RANGE', `expected ${expected}, got ${value}`);
        return INVALID;
      }
      return value;
    },
  };
}

export function bool(): Schema<boolean> {
  const expected = 'true or false';
  return {
    expected,
    read(value, path, issues) {
      return typeof value === 'boolean' ? value : typeIssue(issues, path, expected, value);
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    expected,
    read(value, path, issues) {
      if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
      issues.add(path, 'ENUM', `expected ${expected}, got ${describe(value)}`);
      return INVALID;
    },
  };
}

/** What a parse function returns for a bad value: the message of the issue. */
export class Failure {
  /** `kind` overrides the schema's code suffix, for a failure that deserves its own code */
  constructor(readonly message: string, readonly kind?: string) {}
}

/**
 * A string-valued schema whose parse function returns the (normalised) value or a Failure.
 * `kind` is the code suffix for a bad value (a non-string is always a TYPE issue).
 */
export function parsed<T>(expected: string, kind: string, parse: (s: string) => T | Failure): Schema<T> {
  return {
    expected,
    read(value, path, issues) {
      if (typeof value !== 'string') return typeIssue(issues, path, expected, value);
      const r = parse(value);
      if (r instanceof Failure) {
        issues.add(path, r.kind ?? kind, r.message);
        return INVALID;
      }
      return r;
    },
  };
}

// ---------------------------------------------------------------- wrappers

/** null stays null; anything else is read by `inner`. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    expected: `${inner.expected} or null`,
    read(value, path, issues) {
      return value === null ? null : inner.read(value, path, issues);
    },
  };
}

/** A list of items; `single: true` also accepts one bare item as a list of one. */
export function list<T>(item: Schema<T>, opts: { minItems?: number; single?: boolean } = {}): Schema<T[]> {
  const expected = `a list of ${item.expected}`;
  return {
    expected,
    read(value, path, issues) {
      if (!Array.isArray(value)) {
        if (opts.single && value !== null && value !== undefined && typeof value !== 'object') value = [value];
        else return typeIssue(issues, path, expected, value);
      }
      const arr = value as unknown[];
      const before = issues.count;
      if (opts.minItems !== undefined && arr.length < opts.minItems) {
        issues.add(path, 'MISSING', `needs at least ${opts.minItems} ${opts.minItems === 1 ? 'entry' : 'entries'}`);
      }
      const out: T[] = [];
      arr.forEach((v, i) => {
        const r = item.read(v, [...path, i], issues);
        if (r !== INVALID) out.push(r);
      });
      return issues.count === before ? out : INVALID;
    },
  };
}

/**
 * A list whose bad items are reported and dropped instead of failing the whole list (the ports
 * file: one bad port must not stop the others). Returns the good items with their indexes.
 */
export function lenientList<T>(item: Schema<T>): Schema<{ index: number; value: T }[]> {
  const expected = `a list of ${item.expected}`;
  return {
    expected,
    read(value, path, issues) {
      if (!Array.isArray(value)) return typeIssue(issues, path, expected, value);
      const out: { index: number; value: T }[] = [];
      value.forEach((v, index) => {
        const r = item.read(v, [...path, index], issues);
        if (r !== INVALID) out.push({ index, value: r });
      });
      return out;
    },
  };
}

/** Runs `then` on a good value: cross-field checks and derived defaults. */
export function refine<T, U>(inner: Schema<T>, then: (value: T, path: readonly PathSegment[], issues: Issues) => Read<U>): Schema<U> {
  return {
    expected: inner.expected,
    read(value, path, issues) {
      const r = inner.read(value, path, issues);
      return r === INVALID ? INVALID : then(r, path, issues);
    },
  };
}

// ---------------------------------------------------------------- objects

interface OptionalField<T> {
  readonly presence: 'optional';
  readonly schema: Schema<T>;
}
interface DefaultField<T> {
  readonly presence: 'default';
  readonly schema: Schema<T>;
  readonly value: () => T;
}
type Field<T> = Schema<T> | OptionalField<T> | DefaultField<T>;

/** The key may be absent: the output property is then absent too. */
export const optional = <T>(schema: Schema<T>): OptionalField<T> => ({ presence: 'optional', schema });
/** The key may be absent: the output gets `value` (a fresh copy each time when it is a function). */
export const withDefault = <T>(schema: Schema<T>, value: NoInfer<T> | (() => NoInfer<T>)): DefaultField<T> => ({
  presence: 'default',
  schema,
  value: typeof value === 'function' ? (value as () => T) : () => structuredClone(value),
});

type FieldValue<F> = F extends DefaultField<infer T> ? T : F extends OptionalField<infer T> ? T : F extends Schema<infer T> ? T : never;
type OptionalKeys<S> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? K : never }[keyof S];
type Shape = Record<string, Field<unknown>>;
export type ObjectOf<S extends Shape> = { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: FieldValue<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: FieldValue<S[K]>;
};

const isField = (f: Field<unknown>): f is OptionalField<unknown> | DefaultField<unknown> => 'presence' in f;

/** "peer_asn" from "peerAsn". */
export const snakeCase = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface ObjOptions<S extends Shape> {
  /** input keys: as in the shape (camelCase), or their snake_case spelling */
  readonly keys?: 'camel' | 'snake';
  readonly expected?: string;
  /**
   * Checks across fields. Runs even when some fields were bad, with the fields that were good, so
   * a map's problems are all reported at once: guard each check on the fields it needs. `input` is
   * the map as given, to tell an absent key from a bad one.
   */
  readonly check?: (fields: Partial<ObjectOf<S>>, path: readonly PathSegment[], issues: Issues, input: Readonly<Record<string, unknown>>) => void;
}

/**
 * A map with known keys. Output keys are the shape's keys (camelCase); with `keys: 'snake'` the
 * input uses their snake_case spelling. Unknown keys are issues, with a suggestion when one is close.
 */
export function obj<S extends Shape>(shape: S, opts: ObjOptions<S> = {}): Schema<ObjectOf<S>> {
  const expected = opts.expected ?? 'a map';
  const inputKey = (k: string) => (opts.keys === 'snake' ? snakeCase(k) : k);
  const known = Object.keys(shape).map(inputKey);
  return {
    expected,
    read(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeIssue(issues, path, expected, value);
      const input = value as Record<string, unknown>;
      const before = issues.count;
      for (const k of Object.keys(input)) {
        if (known.includes(k)) continue;
        const near = suggest(k, known);
        issues.add([...path, k], 'UNKNOWN_KEY', `unknown key${near ? `; did you mean "${near}"?` : ` (known: ${known.join(', ')})`}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const ik = inputKey(key);
        const present = Object.prototype.hasOwnProperty.call(input, ik) && input[ik] !== undefined;
        const schema = isField(field) ? field.schema : field;
        if (!present) {
          if (!isField(field)) issues.add([...path, ik], 'MISSING', `missing: expected ${schema.expected}`);
          else if (field.presence === 'default') out[key] = field.value();
          continue;
        }
        const r = schema.read(input[ik], [...path, ik], issues);
        if (r !== INVALID) out[key] = r;
      }
      opts.check?.(out as Partial<ObjectOf<S>>, path, issues, input);
      return issues.count === before ? (out as ObjectOf<S>) : INVALID;
    },
  };
}

/** One of several maps told apart by a string field (e.g. `type: file | neutron`). */
export function tagged<const K extends string, V extends Record<string, Schema<unknown>>>(
  tag: K,
  variants: V,
): Schema<{ [T in keyof V]: V[T] extends Schema<infer O> ? O : never }[keyof V]> {
  const names = Object.keys(variants);
  const expected = `a map with ${tag}: ${names.join(' | ')}`;
  const tagSchema = oneOf(names);
  return {
    expected,
    read(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeIssue(issues, path, expected, value);
      const t = (value as Record<string, unknown>)[tag];
      if (t === undefined) {
        issues.add([...path, tag], 'MISSING', `missing: expected ${tagSchema.expected}`);
        return INVALID;
      }
      const name = tagSchema.read(t, [...path, tag], issues);
      if (name === INVALID) return INVALID;
      const variant = variants[name];
      return variant ? (variant.read(value, path, issues) as never) : INVALID;
    },
  };
}

// ---------------------------------------------------------------- suggestions

/** The closest candidate by edit distance (ignoring case, '_' and '-'), if it is close enough. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = norm(c) === norm(word) ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
