import { MetadataError } from './errors.js';

/**
 * A linear pre-scan of an XML document, before any parser sees it: refuses every markup
 * declaration (`<!DOCTYPE`, `<!ENTITY`, ...) so entity expansion (billion laughs) and external
 * entities (XXE) are impossible, bounds element nesting, and checks that end tags match their
 * start tags (the parser itself is lenient there). RFC 7865 metadata never needs a DTD.
 */
export function guardXml(text: string, maxDepth: number): void {
  const open: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const c = text[lt + 1];
    if (c === '!') {
      if (text.startsWith('<!--', lt)) {
        i = skipTo(text, '-->', lt + 4);
      } else if (text.startsWith('<![CDATA[', lt)) {
        i = skipTo(text, ']]>', lt + 9);
      } else {
        throw new MetadataError(
          'doctype',
          `markup declaration "${text.slice(lt, lt + 10)}" refused (no DTD allowed)`,
        );
      }
    } else if (c === '?') {
      i = skipTo(text, '?>', lt + 2);
    } else if (c === '/') {
      i = skipTo(text, '>', lt + 2);
      const name = text.slice(lt + 2, i - 1).trim();
      const expected = open.pop();
      if (name !== expected) {
        throw new MetadataError(
          'malformed',
          `</${name.slice(0, 40)}> does not close <${(expected ?? '').slice(0, 40)}>`,
        );
      }
    } else {
      // A start tag: find its end outside quoted attribute values.
      let j = lt + 1;
      let quote: string | undefined;
      for (; j < n; j++) {
        const ch = text[j];
        if (quote) {
          if (ch === quote) quote = undefined;
        } else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '>') break;
      }
      if (j >= n) throw new MetadataError('malformed', 'unterminated start tag');
      if (text[j - 1] !== '/') {
        open.push(tagName(text, lt + 1, j));
        if (open.length > maxDepth)
          throw new MetadataError('too-deep', `elements nested deeper than ${maxDepth}`);
      }
      i = j + 1;
    }
  }
  if (open.length > 0)
    throw new MetadataError('malformed', `<${open[open.length - 1]!.slice(0, 40)}> not closed`);
}

function tagName(text: string, from: number, end: number): string {
  let k = from;
  while (k < end && !' \t\r\n/'.includes(text[k]!)) k++;
  return text.slice(from, k);
}

function skipTo(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from);
  if (at < 0) throw new MetadataError('malformed', `unterminated "${end}" construct`);
  return at + end.length;
}
