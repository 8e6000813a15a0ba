import type { RecordingEvent } from '@airlock/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { summarize } from '../replay/event-summary.js';
import { offsetText } from './time-text.js';

/** Fixed row height: what makes windowing a division instead of a measurement. */
export const ROW_HEIGHT = 28;
const OVERSCAN = 10;

export interface EventListProps {
  readonly events: readonly RecordingEvent[];
  readonly startMs: number;
  readonly selected: number;
  readonly flagged: ReadonlySet<string>;
  /** Events whose step the other record tells differently (shown side by side when selected). */
  readonly differing: ReadonlySet<string>;
  onSelect(index: number): void;
}

function arrow(event: RecordingEvent): string {
  if (event.direction === 'client_to_server') return '→';
  if (event.direction === 'server_to_client') return '←';
  return '•';
}

/**
 * The timeline, one row per event, rendering only the rows on screen (plus a few), so a session of
 * 10,000 events scrolls like one of ten. A listbox: arrow keys, j/k, Home/End move the selection.
 */
export function EventList(props: EventListProps) {
  const { events, selected } = props;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);

  useEffect(() => {
    const element = box.current;
    if (element) setHeight(element.clientHeight);
  }, []);

  // Keep the selected row on screen as it moves (keyboard, playback, a link to a broken event).
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const top = selected * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    }
  }, [selected]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(events.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i += 1) {
    const event = events[i] as RecordingEvent;
    const flagged = props.flagged.has(event.id);
    rows.push(
      <div
        key={event.id}
        id={`event-${i}`}
        role="option"
        aria-selected={i === selected}
        class={`event-row${i === selected ? ' selected' : ''}${flagged ? ' flagged' : ''}`}
        style={{ top: `${i * ROW_HEIGHT}px` }}
        data-index={i}
        onClick={() => props.onSelect(i)}
      >
        <span class="offset">{offsetText(Date.parse(event.at) - props.startMs)}</span>
        <span class={`source ${event.source}`}>{event.source}</span>
        <span class="dir" aria-label={event.direction ?? event.kind}>
          {arrow(event)}
        </span>
        <span class="summary">{summarize(event)}</span>
        {event.masking && event.masking.length > 0 ? <span class="tag masked">masked</span> : null}
        {event.decision && event.decision.action !== 'pass' ? (
          <span class={`tag ${event.decision.action === 'deny' ? 'denied' : 'held'}`}>
            {event.decision.action}
          </span>
        ) : null}
        {flagged ? <span class="tag denied">differs</span> : null}
        {props.differing.has(event.id) ? (
          <span class="tag held" title="The gateway's and the agent's records of this step differ">
            ≠ other record
          </span>
        ) : null}
      </div>,
    );
  }
  return (
    <div
      ref={box}
      class="event-list"
      role="listbox"
      tabIndex={0}
      aria-label="Session timeline"
      aria-activedescendant={events.length > 0 ? `event-${selected}` : undefined}
      data-testid="timeline"
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div class="event-space" style={{ height: `${events.length * ROW_HEIGHT}px` }}>
        {rows}
      </div>
    </div>
  );
}
