// Writing path attributes: the table's encoders, in the default order or in a received layout, with
// each attribute's flags and 1- or 2-octet length; and the size helper the Adj-RIB-Out packs with.
import {
  alwaysExtendedLength,
  ATTRIBUTES,
  canonicalRank,
  DESCRIPTORS_IN_ORDER,
  type AttributeDescriptor,
  FLAG_EXTENDED_LENGTH,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
} from './attributes.js';
import { encodeError } from './errors.js';
import type { CodecContext, PathAttributes, RawAttribute, UpdateMessage } from './types.js';
import { Writer } from './writer.js';

interface Item {
  readonly type: number;
  readonly desc?: AttributeDescriptor;
  readonly raw?: RawAttribute;
}

function presentAttributes(attrs: PathAttributes, ctx: CodecContext): Item[] {
  const items: Item[] = [];
  for (const desc of DESCRIPTORS_IN_ORDER) if (desc.present(attrs, ctx)) items.push({ type: desc.type, desc });
  for (const raw of attrs.unknown ?? []) {
    if (ATTRIBUTES[raw.type] !== undefined || items.some((i) => i.type === raw.type)) {
      throw encodeError('ERR_BGP_ENCODE_ATTRIBUTE', `unknown attribute list holds type ${raw.type}, which is known or repeated`);
    }
    if ((raw.flags & FLAG_OPTIONAL) === 0) throw encodeError('ERR_BGP_ENCODE_ATTRIBUTE', `uninterpreted attribute ${raw.type} must be optional (flags 0x${raw.flags.toString(16)})`);
    items.push({ type: raw.type, raw });
  }
  return items;
}

/** Writes the path attributes: those in `layout` first, in its order, then the rest in the default order. */
export function encodeAttributes(w: Writer, attrs: PathAttributes, ctx: CodecContext, layout?: UpdateMessage['attributeLayout']): void {
  const items = presentAttributes(attrs, ctx);
  if (layout === undefined) {
    // known ones are already in the default order; only uninterpreted ones need placing
    if (attrs.unknown !== undefined) items.sort((a, b) => canonicalRank(a.type) - canonicalRank(b.type));
    for (const item of items) writeAttribute(w, item, attrs, ctx, undefined);
    return;
  }
  const position = (t: number) => {
    const i = layout.findIndex((e) => e.type === t);
    return i === -1 ? 1000 + canonicalRank(t) : i;
  };
  items.sort((a, b) => position(a.type) - position(b.type));
  for (const item of items) writeAttribute(w, item, attrs, ctx, layout.find((e) => e.type === item.type)?.flags);
}

function writeAttribute(w: Writer, item: Item, attrs: PathAttributes, ctx: CodecContext, layoutFlags: number | undefined): void {
  const at = w.pos;
  w.u8(0);
  w.u8(item.type);
  w.u16(0);
  const valueStart = w.pos;
  if (item.desc) item.desc.encode(w, attrs, ctx);
  else w.bytes(item.raw!.value);
  const length = w.pos - valueStart;
  let flags: number;
  if (item.raw) {
    const f = item.raw.flags & ~FLAG_EXTENDED_LENGTH;
    flags = f & FLAG_TRANSITIVE ? f | FLAG_PARTIAL : f; // passed through: RFC 4271 §5 sets Partial
  } else {
    flags = item.desc!.flags | ((layoutFlags ?? 0) & FLAG_PARTIAL);
  }
  const extended = length > 255 || (layoutFlags === undefined ? alwaysExtendedLength(item.type) : (layoutFlags & FLAG_EXTENDED_LENGTH) !== 0);
  if (extended) {
    flags |= FLAG_EXTENDED_LENGTH;
    w.patchU16(at + 2, length, 'attribute length');
  } else {
    w.shiftLeft(valueStart);
    w.patchU8(at + 2, length);
  }
  w.patchU8(at, flags);
}

/** Encoded size of the path attributes (the Total Path Attribute Length) on a session with `ctx`. */
export function attributesLength(attrs: PathAttributes, ctx: CodecContext): number {
  const w = sizing.reset();
  encodeAttributes(w, attrs, ctx);
  return w.pos;
}
const sizing = new Writer(1024);
