// @airlock/recording/pages: what a reader of recordings over the admin API (the CLI) needs, without
// the stores themselves: the main entry loads PGlite, pg and the AWS SDK clients at import, which
// every `airlock` command would then pay for at start-up.
export { eventsByTime } from './store/events-by-time.js';
export { chainsByTime } from './store/chains-by-time.js';
export { MAX_EVENT_PAGE_SIZE, type SessionPage, type SessionSummary } from './store/recording-store.js';
