import type { RecordingEvent } from '@airlock/core';
import { useMemo, useState } from 'preact/hooks';
import { canonicalText } from '../replay/canonical-text.js';
import { foldUnchanged, lineDiff, type ShownRow } from '../replay/line-diff.js';
import { MaskedText } from './masked-text.js';

/** What each record's copy of a step is, in words, by direction. */
function roleOf(event: RecordingEvent): string {
  const toServer = event.direction === 'client_to_server';
  if (event.source === 'gateway') return toServer ? 'as the client sent it' : 'as the client received it';
  return toServer ? 'as the agent sent it upstream' : 'as the server answered, after masking';
}

/** One side's column: its lines, a gap where only the other side has one, folds. */
function Column(props: { event: RecordingEvent; rows: readonly ShownRow[]; side: 'left' | 'right' }) {
  const { event } = props;
  const chain = event.chain ? ` ${event.chain}` : '';
  const heading = `${event.source === 'gateway' ? 'Gateway' : 'Agent'}${chain} #${event.seq}`;
  return (
    <section class="side" aria-label={`${heading}, ${roleOf(event)}`} data-side={event.source}>
      <h3>
        {heading} <span class="muted">{roleOf(event)}</span>
      </h3>
      <pre tabIndex={0}>
        {props.rows.map((row, i) => {
          if (row.kind === 'folded') {
            return (
              <span key={i} class="muted folded">
                {`  … ${row.count} unchanged line${row.count === 1 ? '' : 's'}\n`}
              </span>
            );
          }
          if (row.kind === 'same') {
            return (
              <span key={i}>
                <MaskedText text={row.text} />
                {'\n'}
              </span>
            );
          }
          // A line only this side has is marked; one only the other side has leaves a gap here.
          return row.kind === props.side ? (
            <ins key={i} class="only" data-only={event.source}>
              <MaskedText text={row.text} />
              {'\n'}
            </ins>
          ) : (
            <span key={i} class="gap" aria-hidden="true">
              {'\n'}
            </span>
          );
        })}
      </pre>
    </section>
  );
}

/**
 * The gateway's and the agent's records of one step, in two aligned columns (gateway left, agent
 * right), each message as indented JSON with the lines only one side has marked: for instance a
 * `tools/list` the gateway filtered by policy against the full list the server gave the agent.
 * Shown for the steps where the two records differ; plain text throughout.
 */
export function SideBySide(props: { event: RecordingEvent; counterpart: RecordingEvent }) {
  const [whole, setWhole] = useState(false);
  const [gateway, agent] =
    props.event.source === 'gateway' ? [props.event, props.counterpart] : [props.counterpart, props.event];
  const rows = useMemo(() => {
    const left = canonicalText(gateway.message).split('\n');
    const right = canonicalText(agent.message).split('\n');
    const diff = lineDiff(left, right);
    return diff === undefined
      ? {
          left: left.map((text): ShownRow => ({ kind: 'same', text })),
          right: right.map((text): ShownRow => ({ kind: 'same', text })),
          compared: false,
        }
      : { all: diff, compared: true };
  }, [gateway, agent]);
  const shown = rows.compared ? (whole ? rows.all : foldUnchanged(rows.all ?? [])) : undefined;
  return (
    <section class="side-by-side" aria-labelledby="side-by-side-heading" data-testid="side-by-side">
      <h2 id="side-by-side-heading">The two records differ at this step</h2>
      <p class="muted">
        {rows.compared
          ? 'Lines only one record has are marked; long unchanged stretches are folded. Tab moves between the columns; arrow keys scroll them. '
          : 'Too long to compare line by line: both shown as recorded. '}
        {rows.compared ? (
          <label class="inline">
            <input type="checkbox" checked={whole} onChange={(e) => setWhole(e.currentTarget.checked)} /> Show
            every line
          </label>
        ) : null}
      </p>
      <div class="sides">
        <Column event={gateway} rows={shown ?? rows.left ?? []} side="left" />
        <Column event={agent} rows={shown ?? rows.right ?? []} side="right" />
      </div>
    </section>
  );
}
