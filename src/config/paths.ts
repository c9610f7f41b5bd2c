type Tree = Record<string, unknown>;

/** Reads a dotted key (`sip.timers.t1`) from a nested object. */
export function getPath(root: object, key: string): unknown {
  let node: unknown = root;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

/** Writes a dotted key, creating sections on the way; `undefined` removes the key. */
export function setPath(root: object, key: string, value: unknown): void {
  const parts = key.split('.');
  const leaf = parts.pop()!;
  let node = root as Tree;
  for (const part of parts) {
    if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Tree;
  }
  if (value === undefined) delete node[leaf];
  else node[leaf] = value;
}
