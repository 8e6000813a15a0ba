import type { ToolPinView } from '@airlock/core';
import { timeText } from './time-text.js';

function shown(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/**
 * A changed or new tool waiting for acceptance: each changed field of its definition, before (the
 * accepted definition) and now (what the server lists), side by side; and the button that accepts it.
 */
export function ToolChangeCard({ pin, onAccept }: { pin: ToolPinView; onAccept: () => void }) {
  return (
    <article class="card" data-tool={pin.tool} aria-label={`Tool ${pin.tool} ${pin.status}`}>
      <h3>
        {pin.tool} <span class="tag held">{pin.status}</span>{' '}
        <span class="muted">since {timeText(pin.changedAt)}</span>
      </h3>
      {(pin.diff ?? []).map((d) => (
        <div key={d.field} class="diff">
          <strong>{d.field}</strong>
          <div class="diff-pair">
            <pre class="diff-old" aria-label={`${d.field} before`}>
              {shown(d.old)}
            </pre>
            <pre class="diff-new" aria-label={`${d.field} now`}>
              {shown(d.new)}
            </pre>
          </div>
        </div>
      ))}
      <button type="button" class="primary" onClick={onAccept}>
        Accept {pin.tool}
      </button>
    </article>
  );
}

/**
 * Who accepted the definition a tool is pinned to. A changed tool's accepted definition is the
 * one before the change, so it says so: read alone, "first use" beside a changed tool looks as if
 * the change itself had been accepted.
 */
export function acceptedText(pin: ToolPinView): string {
  const by = pin.acceptedBy === undefined ? '' : `${pin.acceptedBy}, ${timeText(pin.acceptedAt)}`;
  if (pin.status === 'pinned') return by;
  if (pin.status === 'new') return 'not yet';
  return `not yet (the definition before: ${by})`;
}
