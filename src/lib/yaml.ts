// YAML text -> plain value, with syntax errors as located issues and a way to locate later issues
// (found by a schema on the plain value) back in the text. Used by the config and the ports file.
import { LineCounter, isMap, isSeq, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
import type { Issue, PathSegment } from './schema.js';

/**
 * Parses YAML text into a parsed value, reporting syntax errors (with line and column) as issues
 * with `codePrefix` + "_YAML". Shared by the config and the ports file.
 */
export function parseYaml(text: string, codePrefix: string): { value: unknown; issues: Issue[]; locate: (i: Issue) => Issue } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: Issue[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return {
      path: '',
      segments: [],
      code: `${codePrefix}_YAML`,
      message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      line: pos.line,
      column: pos.col,
    };
  });
  const locate = (i: Issue): Issue => {
    if (i.line !== undefined) return i;
    const offset = findOffset(doc, i.segments);
    if (offset === undefined) return i;
    const { line, col } = lineCounter.linePos(offset);
    return { ...i, line, column: col };
  };
  return { value: issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 1000 }), issues, locate };
}

/** The source offset of the node at `segments`, or of the deepest node on the way there. */
function findOffset(doc: Document, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

const rangeStart = (n: unknown): number | undefined => (n && typeof n === 'object' && 'range' in n ? (n as Node).range?.[0] : undefined);

