import { useEffect, useState } from 'preact/hooks';

/** What a page polls: the latest answer (undefined until the first), the latest failure, and a way to load now. */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly reload: () => void;
  /** Shows a failure of the page's own step (a revoke) like a failed load, until the next load answers. */
  readonly fail: (failure: unknown) => void;
}

/**
 * Loads with `load` now and every `everyMs` while the page is shown, keeping the last answer when a
 * later load fails (the failure is shown beside it); `reload` loads again at once (after a change).
 */
export function usePolled<T>(load: () => Promise<T>, everyMs: number): Polled<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    const run = () =>
      load().then(
        (answer) => {
          if (stopped) return;
          setData(answer);
          setError(undefined);
        },
        (failure: unknown) => {
          if (!stopped) setError(failure);
        },
      );
    void run();
    const timer = setInterval(() => void run(), everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [tick]);
  return { data, error, reload: () => setTick((n) => n + 1), fail: setError };
}
