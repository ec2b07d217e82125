// Incremental firewall updates. lagless's ruleset keeps every per-port fact in set and map
// elements (firewall/ruleset.ts): its chains, rules and counters are the same whatever the ports.
// So two generated scripts whose skeletons (everything but the elements) are equal differ by a
// transaction of `delete element` and `add element` commands: one small `nft -f`, instead of
// defining every table again (nft's time grows with the ruleset: ~50 ms for 200 ports measured
// here, against ~15 ms for one port's elements). Pure.
//
//   elementDelta(scriptInForce, newScript)  // nft commands, '' when nothing changed, undefined: replace whole

export interface ScriptParts {
  /** the script with every `elements = { ... }` block left out */
  readonly skeleton: string;
  /** "inet lagless src4" -> the elements as written */
  readonly elements: ReadonlyMap<string, readonly string[]>;
}

const TABLE_RE = /^table (\S+) (\S+) \{$/;
const SET_RE = /^\t(set|map) (\S+) \{$/;

/** Splits a script in the generator's layout; undefined when an element block is not where it expects. */
export function splitScript(script: string): ScriptParts | undefined {
  const skeleton: string[] = [];
  const elements = new Map<string, string[]>();
  let table: string | undefined;
  let set: string | undefined;
  let inside: string[] | undefined;
  for (const line of script.split('\n')) {
    if (inside !== undefined) {
      if (line === '\t\t}') {
        inside = undefined;
        continue;
      }
      if (!line.startsWith('\t\t\t') || !line.endsWith(',')) return undefined;
      inside.push(line.slice(3, -1));
      continue;
    }
    const t = TABLE_RE.exec(line);
    if (t !== null) table = `${t[1]} ${t[2]}`;
    const s = SET_RE.exec(line);
    if (s !== null) set = s[2];
    if (line === '\t\telements = {') {
      if (table === undefined || set === undefined) return undefined;
      const key = `${table} ${set}`;
      if (elements.has(key)) return undefined;
      inside = [];
      elements.set(key, inside);
      continue;
    }
    skeleton.push(line);
  }
  if (inside !== undefined) return undefined;
  return { skeleton: skeleton.join('\n'), elements };
}

/**
 * The nft commands that turn the ruleset of `from` into that of `to` (both generated scripts):
 * every removed element deleted (map entries by key), then every new one added. '' when they
 * are equal; undefined when the skeletons differ (or a script cannot be split): replace the tables.
 */
export function elementDelta(from: string, to: string): string | undefined {
  const a = splitScript(from);
  const b = splitScript(to);
  if (a === undefined || b === undefined || a.skeleton !== b.skeleton) return undefined;
  const deletes: string[] = [];
  const adds: string[] = [];
  for (const key of new Set([...a.elements.keys(), ...b.elements.keys()])) {
    const before = new Set(a.elements.get(key) ?? []);
    const after = new Set(b.elements.get(key) ?? []);
    const gone = [...before].filter((e) => !after.has(e));
    const added = [...after].filter((e) => !before.has(e));
    // a map entry is deleted by its key (the part before " : ")
    if (gone.length > 0) deletes.push(`delete element ${key} { ${gone.map((e) => e.split(' : ')[0]).join(', ')} }`);
    if (added.length > 0) adds.push(`add element ${key} { ${added.join(', ')} }`);
  }
  const lines = [...deletes, ...adds];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
