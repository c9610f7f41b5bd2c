import { XMLParser } from 'fast-xml-parser';
import { MetadataError } from './errors.js';

/** An element reduced to what the metadata reader needs: names lower-cased, prefixes removed. */
export interface XNode {
  /** Local name, lower-cased (vendors differ in case: participantStreamAssoc, dataMode). */
  name: string;
  /** Attributes by lower-cased local name (`xml:lang` → `lang`). */
  attrs: Record<string, string>;
  text: string;
  children: XNode[];
}

const ATTR = '@_';

// No entity beyond the five predefined ones is ever expanded: guardXml has already refused any
// DOCTYPE, and htmlEntities stays off. Values stay strings (base64 ids must not become numbers).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
});

/** Parses an XML document (already guarded) into XNodes; the single root element is returned. */
export function parseXmlTree(text: string): XNode {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new MetadataError('malformed', `XML not well-formed: ${(err as Error).message.slice(0, 200)}`);
  }
  const roots: XNode[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith(ATTR) || key === '#text') continue;
    if (Array.isArray(value)) for (const v of value) roots.push(toNode(key, v));
  }
  if (roots.length !== 1)
    throw new MetadataError('malformed', `expected one root element, found ${roots.length}`);
  return roots[0]!;
}

function toNode(name: string, value: unknown): XNode {
  const node: XNode = { name: name.toLowerCase(), attrs: {}, text: '', children: [] };
  if (value === null || value === undefined) return node;
  if (typeof value !== 'object') {
    node.text = String(value);
    return node;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key.startsWith(ATTR)) node.attrs[key.slice(ATTR.length).toLowerCase()] = String(v);
    else if (key === '#text') node.text = String(v);
    else if (Array.isArray(v)) for (const item of v) node.children.push(toNode(key, item));
    else node.children.push(toNode(key, v));
  }
  return node;
}

export function child(node: XNode, ...names: string[]): XNode | undefined {
  return node.children.find((c) => names.includes(c.name));
}

export function childrenNamed(node: XNode, ...names: string[]): XNode[] {
  return node.children.filter((c) => names.includes(c.name));
}

/** Text of the first child with one of these names, when present and not empty. */
export function childText(node: XNode, ...names: string[]): string | undefined {
  const c = child(node, ...names);
  return c && c.text !== '' ? c.text : undefined;
}

export function attr(node: XNode, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = node.attrs[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}
