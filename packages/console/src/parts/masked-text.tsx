/** A masking placeholder the agent put in place of a value: `[MASKED:TYPE]` or `[MASKED:TYPE:…1234]`. */
const PLACEHOLDER = /\[MASKED:([A-Z0-9_]+)[^\]]*\]/g;

/**
 * Recorded text, rendered as text (never as HTML), with each masking placeholder marked and named
 * by its type so a reader sees at once what was hidden.
 */
export function MaskedText(props: { text: string }) {
  const parts: (string | { type: string; raw: string })[] = [];
  let last = 0;
  for (const match of props.text.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(props.text.slice(last, index));
    parts.push({ type: match[1] ?? '', raw: match[0] });
    last = index + match[0].length;
  }
  if (last < props.text.length) parts.push(props.text.slice(last));
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <mark key={i} class="masked" title={`masked ${part.type}`} data-masked-type={part.type}>
            {part.raw}
          </mark>
        ),
      )}
    </>
  );
}
