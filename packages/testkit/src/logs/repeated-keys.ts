/**
 * The keys that appear more than once in one object of a JSON text, e.g. `component` in a pino
 * line whose child logger bound a key its parent already had. `JSON.parse` keeps the last copy
 * without a word, so this reads the text itself: strings are skipped whole, and each object
 * (at any depth) has its own set of keys. Returns `[]` for a text without repeats.
 */
export function repeatedKeys(json: string): string[] {
  const repeated: string[] = [];
  const objects: Set<string>[] = [];
  // What the innermost open container is: an object expects a key after `{` or `,`.
  const containers: ('object' | 'array')[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) repeated.push(key);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      containers.push('object');
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      containers.push('array');
      expectKey = false;
    } else if (c === '}' || c === ']') {
      if (containers.pop() === 'object') objects.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = containers[containers.length - 1] === 'object';
    }
  }
  return repeated;
}
