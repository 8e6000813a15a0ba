/**
 * A hint that something a live view shows may have changed: a session row or an approval was
 * written (on any gateway sharing the store), or `resync` when hints may have been lost (the
 * listening connection dropped). Readers never trust a hint's content: they re-read the store
 * from their cursor, so a lost or duplicated hint only delays or repeats a cheap query.
 */
export type StoreChange =
  | { readonly kind: 'session'; readonly id: string }
  | { readonly kind: 'approval'; readonly id: string }
  | { readonly kind: 'resync' };

/** The channel migration 9's trigger notifies on. */
export const CHANGE_CHANNEL = 'airlock_changes';

/** A NOTIFY payload ("session <id>" / "approval <id>") as a change; anything else is a resync. */
export function changeOfPayload(payload: string): StoreChange {
  const space = payload.indexOf(' ');
  const kind = payload.slice(0, space);
  const id = payload.slice(space + 1);
  if (space > 0 && (kind === 'session' || kind === 'approval')) return { kind, id };
  return { kind: 'resync' };
}

/** Stops a watch; resolves once the store no longer calls the listener. */
export type StopWatching = () => Promise<void>;
