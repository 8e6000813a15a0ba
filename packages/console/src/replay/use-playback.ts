import type { RecordingEvent } from '@airlock/core';
import { useEffect, useState } from 'preact/hooks';

export type Speed = 1 | 4 | 'instant';

/** The longest a playback waits between two events, however long the session paused there. */
const MAX_GAP_MS = 3000;

/**
 * Plays the timeline: moves the selection forward at the recorded pace (1×), four times faster, or
 * straight to the end (instant). Returns what is playing and how to start or stop it.
 */
export function usePlayback(
  events: readonly RecordingEvent[],
  selected: number,
  select: (index: number) => void,
): { playing: Speed | undefined; play(speed: Speed): void; stop(): void } {
  const [playing, setPlaying] = useState<Speed | undefined>();
  useEffect(() => {
    if (playing === undefined) return;
    if (playing === 'instant') {
      select(events.length - 1);
      setPlaying(undefined);
      return;
    }
    if (selected >= events.length - 1) {
      setPlaying(undefined);
      return;
    }
    const here = Date.parse(events[selected]?.at ?? '');
    const next = Date.parse(events[selected + 1]?.at ?? '');
    const gap = Math.min(MAX_GAP_MS, Math.max(0, next - here)) / playing;
    const timer = setTimeout(() => select(selected + 1), gap);
    return () => clearTimeout(timer);
  }, [playing, selected, events.length]);
  return { playing, play: setPlaying, stop: () => setPlaying(undefined) };
}
