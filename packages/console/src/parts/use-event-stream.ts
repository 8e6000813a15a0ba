import { useEffect, useRef, useState } from 'preact/hooks';

/** How long to wait before opening a stream again after the gateway refused it (not a network drop). */
const REOPEN_MS = 5000;

/** What a page hears on a live stream: handlers by event type, each given the parsed JSON data. */
export type StreamHandlers = Record<string, (data: unknown) => void>;

/**
 * Listens to one of the API's live streams (text/event-stream) while the page shows it, through
 * the console session's cookie like every other API call (EventSource sends it; the page never
 * holds a token). A dropped connection is reopened by the browser itself with Last-Event-ID, so
 * the gateway sends exactly what was missed. When the gateway refuses the stream outright (a
 * sign-in that expired, too many streams, a gateway without a store) it is opened afresh after a
 * pause, which again starts with the list's current state. `path` undefined: no stream.
 * Returns whether the stream is connected (for the page's "live" marker).
 */
export function useEventStream(path: string | undefined, handlers: StreamHandlers): boolean {
  const current = useRef(handlers);
  current.current = handlers;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (path === undefined) return undefined;
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      const stream = new EventSource(path);
      source = stream;
      for (const type of Object.keys(current.current)) {
        stream.addEventListener(type, (event) => {
          const handler = current.current[type];
          if (handler) handler(JSON.parse((event as MessageEvent<string>).data) as unknown);
        });
      }
      stream.addEventListener('ready', () => setConnected(true));
      stream.onerror = () => {
        setConnected(false);
        if (stream.readyState !== EventSource.CLOSED || stopped) return;
        timer = setTimeout(open, REOPEN_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      setConnected(false);
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    };
  }, [path]);
  return connected;
}
