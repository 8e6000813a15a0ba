import type { RecordingEvent } from '@airlock/core';
import type { SessionSummary, SessionVerification } from '@airlock/recording';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { exportUrl, getSession, SESSIONS_API, verifySession } from '../api/sessions.js';
import { useEventStream } from '../parts/use-event-stream.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { EventDetail } from '../parts/event-detail.js';
import { EventList } from '../parts/event-list.js';
import { SideBySide } from '../parts/side-by-side.js';
import { timeText } from '../parts/time-text.js';
import { VerificationBanner } from '../parts/verification-banner.js';
import { byTime, loadEvents } from '../replay/load-events.js';
import { pairRecords } from '../replay/record-pairs.js';
import { usePlayback, type Speed } from '../replay/use-playback.js';
import { Link } from '../router.js';

type Records = 'both' | 'gateway' | 'agent';

/**
 * A recorded session step by step: the timeline (both records by time, or one), the selected
 * event in detail, verification at the top, export, playback, and live updates while it runs.
 */
export function ReplayPage(props: { id: string }) {
  const { id } = props;
  const [session, setSession] = useState<SessionSummary | undefined>();
  const [events, setEvents] = useState<RecordingEvent[]>([]);
  const [report, setReport] = useState<SessionVerification | undefined>();
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState(0);
  const [records, setRecords] = useState<Records>('both');
  const seen = useRef(new Set<string>());
  const verifying = useRef(false);
  // A session still running is followed on the API's events stream rather than read page by page.
  const [follow, setFollow] = useState(false);

  const add = (fresh: readonly RecordingEvent[]) => {
    const unseen = fresh.filter((event) => !seen.current.has(event.id));
    for (const event of unseen) seen.current.add(event.id);
    if (unseen.length > 0) setEvents((old) => byTime([...old, ...unseen]));
  };
  const verifyOnce = () => {
    if (verifying.current) return;
    verifying.current = true;
    verifySession(id).then(setReport, setError);
  };

  useEffect(() => {
    let stopped = false;
    const read = async (): Promise<void> => {
      const summary = await getSession(id);
      if (stopped) return;
      setSession(summary);
      if (summary.status === 'open') {
        setFollow(true);
        return;
      }
      // A finished one is read page by page and verified once.
      const page = await loadEvents(id, {}, seen.current);
      if (stopped) return;
      add(page.events);
      verifyOnce();
    };
    read().catch((failure: unknown) => !stopped && setError(failure));
    return () => {
      stopped = true;
    };
  }, [id]);

  useEventStream(follow ? `${SESSIONS_API}/${encodeURIComponent(id)}/events` : undefined, {
    events: (data) => add((data as { events: RecordingEvent[] }).events),
    // The stream stays open after the end: the agent's last events may arrive a little later.
    session: (data) => {
      const summary = data as SessionSummary;
      setSession(summary);
      if (summary.status !== 'open') verifyOnce();
    },
  });

  const shown = useMemo(
    () => (records === 'both' ? events : events.filter((e) => e.source === records)),
    [events, records],
  );
  const index = Math.min(selected, Math.max(0, shown.length - 1));
  const playback = usePlayback(shown, index, setSelected);
  const mismatches = useMemo(() => {
    const map = new Map<string, string>();
    for (const m of report?.agreement.mismatches ?? [])
      if (m.eventId) map.set(m.eventId, `${m.problem}: ${m.detail}`);
    return map;
  }, [report]);
  const flagged = useMemo(() => new Set(mismatches.keys()), [mismatches]);
  const pairs = useMemo(() => pairRecords(events), [events]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'SUMMARY'].includes(target.tagName)) return;
      const moves: Record<string, number> = {
        ArrowDown: 1,
        j: 1,
        ArrowUp: -1,
        k: -1,
        PageDown: 20,
        PageUp: -20,
      };
      const last = shown.length - 1;
      let next: ((current: number) => number) | undefined;
      if (e.key in moves) next = (current) => Math.min(current, last) + (moves[e.key] as number);
      else if (e.key === 'Home') next = () => 0;
      else if (e.key === 'End') next = () => last;
      else if (e.key === 'd' || e.key === 'D') {
        // The next (d) or previous (D) step where the two records differ.
        const step = e.key === 'd' ? 1 : -1;
        next = (current) => {
          for (let i = current + step; i >= 0 && i <= last; i += step) {
            if (pairs.differing.has((shown[i] as RecordingEvent).id)) return i;
          }
          return current;
        };
      }
      if (next === undefined) return;
      e.preventDefault();
      playback.stop();
      // From the state itself, not this render's copy: key repeat may outrun rendering.
      const move = next;
      setSelected((current) => Math.max(0, Math.min(last, move(current))));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [shown, pairs]);

  if (error !== undefined) {
    return (
      <section>
        <p>
          <Link href="/console/sessions">← Sessions</Link>
        </p>
        <ErrorNotice error={error} />
      </section>
    );
  }
  if (session === undefined) return <p class="muted">Loading the session…</p>;
  const startMs = Date.parse(events[0]?.at ?? session.startedAt);
  const current = shown[index];
  const speeds: Speed[] = [1, 4, 'instant'];
  return (
    <section aria-labelledby="replay-heading" class="replay">
      <p>
        <Link href="/console/sessions">← Sessions</Link>
      </p>
      <h1 id="replay-heading">
        Session {session.id}{' '}
        <span class={`tag ${session.status === 'open' ? 'held' : 'ok'}`}>{session.status}</span>
      </h1>
      <p class="muted">
        {session.email ?? session.subject} on {session.connection} · {session.era} ({session.protocolVersion})
        · started {timeText(session.startedAt)}
        {session.status === 'open' ? ' · live: new events appear as they are recorded' : ''}
      </p>
      {session.status === 'open' ? null : (
        <VerificationBanner
          report={report}
          onShow={(eventId) => {
            setRecords('both');
            const at = events.findIndex((e) => e.id === eventId);
            if (at >= 0) setSelected(at);
          }}
        />
      )}
      <div class="toolbar" role="toolbar" aria-label="Replay">
        <label>
          Records
          <select value={records} onChange={(e) => setRecords(e.currentTarget.value as Records)}>
            <option value="both">gateway and agent, by time</option>
            <option value="gateway">gateway only</option>
            <option value="agent">agent only</option>
          </select>
        </label>
        <button type="button" onClick={() => setSelected(Math.max(0, index - 1))} aria-label="Previous event">
          ◀ Back
        </button>
        <button
          type="button"
          onClick={() => setSelected(Math.min(shown.length - 1, index + 1))}
          aria-label="Next event"
        >
          Forward ▶
        </button>
        {speeds.map((speed) => (
          <button
            key={String(speed)}
            type="button"
            aria-pressed={playback.playing === speed}
            onClick={() => (playback.playing === speed ? playback.stop() : playback.play(speed))}
          >
            {speed === 'instant' ? 'Instant' : `Play ${speed}×`}
          </button>
        ))}
        <span class="position" aria-live="polite" data-testid="position">
          {shown.length === 0 ? 0 : index + 1} / {shown.length}
        </span>
        <a href={exportUrl(id, 'jsonl')} download>
          Export JSONL
        </a>
        <a href={exportUrl(id, 'markdown')} download>
          Export Markdown
        </a>
      </div>
      <p class="muted keys">
        Keys: ↓/j next, ↑/k previous, PageDown/PageUp by 20, Home/End, d/D next/previous step where the
        gateway's and the agent's records differ ({pairs.differing.size / 2} here).
      </p>
      <div class="replay-panes">
        <EventList
          events={shown}
          startMs={startMs}
          selected={index}
          flagged={flagged}
          differing={pairs.differing}
          onSelect={setSelected}
        />
        {current ? (
          <EventDetail event={current} startMs={startMs} mismatch={mismatches.get(current.id)} />
        ) : (
          <p class="muted">No events recorded yet.</p>
        )}
      </div>
      {current && pairs.differing.has(current.id) ? (
        <SideBySide event={current} counterpart={pairs.counterpart.get(current.id) as RecordingEvent} />
      ) : null}
    </section>
  );
}
