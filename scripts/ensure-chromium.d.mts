/** `{ path }` of an installed chromium, or `{ reason }` why there is none. */
export declare function ensureChromium():
  { path: string; reason?: undefined } | { path?: undefined; reason: string };
