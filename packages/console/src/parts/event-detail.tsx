import type { RecordingEvent } from '@airlock/core';
import { resultText, summarize } from '../replay/event-summary.js';
import { MaskedText } from './masked-text.js';
import { offsetText, timeText } from './time-text.js';

/**
 * One event, readable: what it was (tool and arguments, result text, error), masking findings by
 * type, guardrail decisions, approval and tool-change steps; the raw JSON one click away. Every
 * recorded string is rendered as text.
 */
export function EventDetail(props: {
  event: RecordingEvent;
  startMs: number;
  mismatch?: string | undefined;
}) {
  const { event } = props;
  const message = event.message as Record<string, unknown> | undefined;
  const params = message?.['params'] as Record<string, unknown> | undefined;
  const text = message?.['result'] === undefined ? undefined : resultText(message['result']);
  const error = message?.['error'] as { code?: unknown; message?: unknown } | undefined;
  return (
    <article class="event-detail" data-testid="event-detail" aria-live="polite">
      <h2>
        {event.kind}{' '}
        <span class="muted">
          #{event.seq} of the {event.source}'s record{event.chain ? ` (chain ${event.chain})` : ''}
        </span>
      </h2>
      <p class="muted">
        {timeText(event.at)} ({offsetText(Date.parse(event.at) - props.startMs)}) · {event.direction ?? ''} ·{' '}
        {event.identity.email ?? event.identity.subject}
      </p>
      <p class="summary-line">
        <MaskedText text={summarize(event)} />
      </p>
      {props.mismatch ? (
        <p class="error" role="note">
          The gateway's and the agent's records differ here: {props.mismatch}
        </p>
      ) : null}
      {message?.['method'] === 'tools/call' ? (
        <dl>
          <dt>Tool</dt>
          <dd>{String(params?.['name'] ?? '')}</dd>
          <dt>Arguments</dt>
          <dd>
            <pre>
              <MaskedText text={JSON.stringify(params?.['arguments'] ?? {}, null, 2)} />
            </pre>
          </dd>
        </dl>
      ) : null}
      {text !== undefined ? (
        <section aria-label="Result text">
          <h3>Result</h3>
          <pre data-testid="result-text">
            <MaskedText text={text} />
          </pre>
        </section>
      ) : null}
      {error !== undefined ? (
        <p class="error">
          Error {String(error.code ?? '')}: <MaskedText text={String(error.message ?? '')} />
        </p>
      ) : null}
      {event.masking && event.masking.length > 0 ? (
        <section aria-label="Masked values">
          <h3>Masked</h3>
          <ul>
            {event.masking.map((finding, i) => (
              <li key={i}>
                <span class="tag masked">{finding.type}</span> ×{finding.count} at <code>{finding.path}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {event.decision ? (
        <p>
          Decision: <span class="tag">{event.decision.action}</span>
          {event.decision.rule ? ` by ${event.decision.rule}` : ''}
          {event.decision.reason ? `: ${event.decision.reason}` : ''}
          {event.decision.guardrails?.map((g) => (
            <span key={g.rule} class="tag held">
              guardrail {g.rule}: {g.action}
            </span>
          ))}
        </p>
      ) : null}
      {event.toolChange?.diff ? (
        <section aria-label="Tool change">
          <h3>Tool change</h3>
          {event.toolChange.diff.map((d) => (
            <div key={d.field}>
              <strong>{d.field}</strong>
              <pre class="diff-old">{JSON.stringify(d.old, null, 2)}</pre>
              <pre class="diff-new">{JSON.stringify(d.new, null, 2)}</pre>
            </div>
          ))}
        </section>
      ) : null}
      <details>
        <summary>Raw JSON</summary>
        <pre data-testid="raw-json">{JSON.stringify(event, null, 2)}</pre>
      </details>
    </article>
  );
}
