import * as jsoncNamespace from 'jsonc-parser';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { InvalidConfigError, lineColumn } from './errors.js';

// Node loads jsonc-parser's UMD build (its named exports hidden behind `default`); esbuild picks
// its ESM build (named exports, no default). Either way we want the same functions.
type JsoncApi = Pick<typeof jsoncNamespace, 'parseTree' | 'printParseErrorCode' | 'findNodeAtLocation' | 'getNodeValue'>;
const jsonc: JsoncApi = 'parseTree' in jsoncNamespace && typeof jsoncNamespace.parseTree === 'function' ? jsoncNamespace : (jsoncNamespace as unknown as { default: JsoncApi }).default;

export type JsonPath = readonly string[];

export interface JsonFlavor {
  /** JSONC (comments, trailing commas) is accepted only where the host itself reads JSONC. */
  jsonc: boolean;
}

/** A parsed JSON(C) text: the tree keeps offsets, so edits can leave every other byte alone. */
export interface JsonDoc {
  text: string;
  root: JsonNode;
  eol: string;
  /** One level of indentation as the file writes it ("  ", "    ", "\t"). */
  unit: string;
}

const HUMAN: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name (in double quotes) was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'the document should have ended',
  InvalidCommentToken: 'comments are not allowed in this file',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

export function parseJsonDoc(file: string, text: string, flavor: JsonFlavor): JsonDoc {
  const errors: ParseError[] = [];
  const root = jsonc.parseTree(text, errors, { allowTrailingComma: flavor.jsonc, disallowComments: !flavor.jsonc, allowEmptyContent: false });
  const first = errors[0];
  if (first || !root) {
    const at = lineColumn(text, first?.offset ?? text.length);
    const code = first ? jsonc.printParseErrorCode(first.error) : 'ValueExpected';
    throw new InvalidConfigError(file, at, `${HUMAN[code] ?? code}${flavor.jsonc ? '' : ' (this host reads strict JSON)'}`);
  }
  if (!flavor.jsonc) {
    // jsonc-parser is more lenient than JSON.parse in corners (control characters, lone surrogates);
    // the host uses JSON.parse, so that is the final word.
    try {
      JSON.parse(text);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      throw new InvalidConfigError(file, lineColumn(text, m ? Number(m[1]) : 0), (err as Error).message);
    }
  }
  if (root.type !== 'object') throw new InvalidConfigError(file, lineColumn(text, root.offset), `the document must be a JSON object, not ${root.type}`);
  return { text, root, eol: text.includes('\r\n') ? '\r\n' : '\n', unit: detectUnit(text) };
}

export function nodeAt(doc: JsonDoc, p: JsonPath): JsonNode | undefined {
  return jsonc.findNodeAtLocation(doc.root, [...p]);
}

export function valueAt(doc: JsonDoc, p: JsonPath): unknown {
  const node = nodeAt(doc, p);
  return node ? jsonc.getNodeValue(node) : undefined;
}

export function docValue(doc: JsonDoc): unknown {
  return jsonc.getNodeValue(doc.root);
}

/** The indentation unit the file already uses: the smallest step between nested lines. */
function detectUnit(text: string): string {
  let smallest = Infinity;
  for (const line of text.split(/\r?\n/)) {
    const m = /^([ \t]+)\S/.exec(line);
    if (!m) continue;
    const ws = m[1] ?? '';
    if (ws.startsWith('\t')) return '\t';
    smallest = Math.min(smallest, ws.length);
  }
  return Number.isFinite(smallest) ? ' '.repeat(smallest) : '  ';
}

/** Leading whitespace of the line that holds `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** JSON.stringify in the file's style, continuation lines indented to sit under `indent`. */
function render(value: unknown, doc: JsonDoc, indent: string, compact: boolean): string {
  if (compact) return JSON.stringify(value);
  return JSON.stringify(value, null, doc.unit).split('\n').join(doc.eol + indent);
}

/** The offset just past `from` and any trailing comma and trivia-free whitespace before the next token. */
function skipComma(text: string, from: number): { end: number; comma: boolean } {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  if (text[i] === ',') return { end: i + 1, comma: true };
  return { end: from, comma: false };
}

/**
 * Sets `key` in the object at `objectPath` (creating missing parent objects) by inserting or
 * replacing only the text of that one property; every other byte of the file stays as it was.
 */
export function setProperty(doc: JsonDoc, objectPath: JsonPath, key: string, value: unknown): string {
  const { text } = doc;
  // Walk down to the deepest existing object; what is missing is created in one insertion.
  let depth = objectPath.length;
  let obj = nodeAt(doc, objectPath);
  while (!obj) {
    depth--;
    obj = nodeAt(doc, objectPath.slice(0, depth));
  }
  if (obj.type !== 'object') throw new Error(`${objectPath.slice(0, depth).join('.') || 'the document'} is not an object`);
  const missing = objectPath.slice(depth);
  let insertKey = key;
  let insertValue: unknown = value;
  if (missing.length > 0) {
    insertKey = missing[0] as string;
    insertValue = { [key]: value };
    for (let i = missing.length - 1; i >= 1; i--) insertValue = { [missing[i] as string]: insertValue };
  }
  const existing = obj.children?.find((p) => p.children?.[0]?.value === insertKey);
  const compact = !text.slice(obj.offset, obj.offset + obj.length).includes('\n') && (obj.children?.length ?? 0) > 0;
  if (existing) {
    const valueNode = existing.children?.[1];
    if (!valueNode) throw new Error('malformed property');
    const rendered = render(insertValue, doc, lineIndent(text, existing.offset), compact);
    return text.slice(0, valueNode.offset) + rendered + text.slice(valueNode.offset + valueNode.length);
  }
  const last = obj.children?.at(-1);
  if (last) {
    const indent = compact ? '' : lineIndent(text, last.offset);
    const prop = `${JSON.stringify(insertKey)}:${compact ? '' : ' '}${render(insertValue, doc, indent, compact)}`;
    return insertAfter(doc, last, prop, indent, compact);
  }
  // An empty object: its interior (whitespace, maybe comments) is kept, our property goes first.
  const outer = lineIndent(text, obj.offset);
  const inner = outer + doc.unit;
  const open = obj.offset + 1;
  const prop = `${JSON.stringify(insertKey)}: ${render(insertValue, doc, inner, false)}`;
  const interior = text.slice(open, obj.offset + obj.length - 1);
  if (interior.trim() === '') return `${text.slice(0, open)}${doc.eol}${inner}${prop}${doc.eol}${outer}}${text.slice(obj.offset + obj.length)}`;
  return `${text.slice(0, open)}${doc.eol}${inner}${prop}${text.slice(open)}`;
}

/** Removes property `key` of the object at `objectPath`, with its separating comma: the inverse of setProperty's insertion. */
export function removeProperty(doc: JsonDoc, objectPath: JsonPath, key: string): string {
  const obj = nodeAt(doc, objectPath);
  if (!obj || obj.type !== 'object' || !obj.children) return doc.text;
  const index = obj.children.findIndex((p) => p.children?.[0]?.value === key);
  return index < 0 ? doc.text : removeMember(doc.text, obj, index);
}

/** The end of the line at `from` when only whitespace and comments follow on it, else undefined. */
function restOfLine(text: string, from: number): number | undefined {
  const m = /^[ \t]*(\/\/[^\r\n]*|\/\*[^\r\n]*?\*\/[ \t]*)?(?=\r?\n|$)/.exec(text.slice(from));
  return m ? from + m[0].length : undefined;
}

/**
 * Adds `member` after `last` on a line of its own. A comment at the end of `last`'s line stays
 * with `last`; a trailing comma (JSONC) stays too, and the new last member gets one as well.
 */
function insertAfter(doc: JsonDoc, last: JsonNode, member: string, indent: string, compact: boolean): string {
  const { text } = doc;
  const end = last.offset + last.length;
  const after = skipComma(text, end);
  if (compact) return after.comma ? text.slice(0, after.end) + member + ',' + text.slice(after.end) : `${text.slice(0, end)},${member}${text.slice(end)}`;
  const lineEnd = restOfLine(text, after.end) ?? after.end;
  return `${text.slice(0, end)}${after.comma ? '' : ','}${text.slice(end, lineEnd)}${doc.eol}${indent}${member}${after.comma ? ',' : ''}${text.slice(lineEnd)}`;
}

/** Removes member `index` of an object or array node and its separating comma: the inverse of insertAfter. */
function removeMember(text: string, container: JsonNode, index: number): string {
  const members = container.children ?? [];
  const item = members[index] as JsonNode;
  const prev = members[index - 1];
  const next = members[index + 1];
  const itemEnd = item.offset + item.length;
  const own = skipComma(text, itemEnd);
  const lineStart = text.lastIndexOf('\n', item.offset - 1) + 1;
  const ownLine = lineStart > 0 && /^[ \t]*$/.test(text.slice(lineStart, item.offset));
  if (ownLine && (prev || next)) {
    // From the line break before the member to its end (and its own comma).
    const start = lineStart - 1 - (text[lineStart - 2] === '\r' ? 1 : 0);
    if (next || own.comma) return text.slice(0, start) + text.slice(own.end);
    const prevEnd = (prev as JsonNode).offset + (prev as JsonNode).length;
    const sep = skipComma(text, prevEnd);
    return text.slice(0, prevEnd) + text.slice(sep.end, start) + text.slice(itemEnd);
  }
  if (prev) {
    const prevEnd = prev.offset + prev.length;
    if (!next && own.comma) return text.slice(0, skipComma(text, prevEnd).end) + text.slice(own.end);
    return text.slice(0, prevEnd) + text.slice(itemEnd);
  }
  if (next) return text.slice(0, item.offset) + text.slice(next.offset);
  // The only member: the container becomes empty, its brackets stay.
  const close = container.offset + container.length - 1;
  const inner = text.slice(own.end, close);
  return `${text.slice(0, container.offset + 1)}${inner.trim() === '' ? '' : inner}${text.slice(close)}`;
}

/** Appends `value` to the array at `arrayPath` (created if missing, in the root object). */
export function appendToArray(doc: JsonDoc, arrayPath: JsonPath, value: unknown): string {
  const { text } = doc;
  const arr = nodeAt(doc, arrayPath);
  if (!arr) return setProperty(doc, arrayPath.slice(0, -1), arrayPath.at(-1) as string, [value]);
  if (arr.type !== 'array') throw new Error(`${arrayPath.join('.')} is not an array`);
  const last = arr.children?.at(-1);
  const compact = !text.slice(arr.offset, arr.offset + arr.length).includes('\n') && (arr.children?.length ?? 0) > 0;
  if (last) {
    const indent = compact ? '' : lineIndent(text, last.offset);
    return insertAfter(doc, last, render(value, doc, indent, compact), indent, compact);
  }
  const outer = lineIndent(text, arr.offset);
  const inner = outer + doc.unit;
  const open = arr.offset + 1;
  return `${text.slice(0, open)}${doc.eol}${inner}${render(value, doc, inner, false)}${doc.eol}${outer}]${text.slice(arr.offset + arr.length)}`;
}

/** Removes the array items at `arrayPath` for which `match` holds (their commas with them). */
export function removeFromArray(doc: JsonDoc, arrayPath: JsonPath, match: (item: unknown) => boolean): string {
  const arr = nodeAt(doc, arrayPath);
  if (!arr || arr.type !== 'array' || !arr.children) return doc.text;
  const index = arr.children.findIndex((c) => match(jsonc.getNodeValue(c)));
  if (index < 0) return doc.text;
  const out = removeMember(doc.text, arr, index);
  // More than one match (a hand-edited file): remove them all.
  return removeFromArray({ ...doc, text: out, root: reparse(out) }, arrayPath, match);
}

function reparse(text: string): JsonNode {
  const root = jsonc.parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) throw new Error('internal: an edit produced an unparsable document');
  return root;
}

/** Re-reads an edited text with the same formatting facts (the offsets changed). */
export function reparseDoc(doc: JsonDoc, text: string): JsonDoc {
  return { ...doc, text, root: reparse(text) };
}
