/**
 * PostgreSQL text cannot hold U+0000, which a client can put in a tool name or a token claim can
 * put in a group. Indexed columns get U+FFFD instead; the exact value stays in the JSON text
 * columns, where JSON.stringify has already escaped it.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function pgText(value: string): string {
  // A lone surrogate is what a parameter's UTF-8 encoding would turn into U+FFFD anyway; inside a
  // JSON parameter PostgreSQL would refuse its escape instead, and one bad event would stop the batch.
  const text = value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Query parameters with pgText applied to every string, and to every string of an array. */
export function pgParams(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    typeof p === 'string'
      ? pgText(p)
      : Array.isArray(p)
        ? p.map((v) => (typeof v === 'string' ? pgText(v) : v))
        : p,
  );
}

/**
 * JSON text for a jsonb parameter: jsonb refuses the `\u0000` escape and lone surrogate escapes,
 * so every string inside goes through pgText first (an identity claim or a subject may hold one).
 */
export function pgJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? pgText(v) : v));
}
