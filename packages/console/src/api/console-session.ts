import { callApi } from './api-client.js';

/** `GET /console/auth/session`: who is signed in, and the session's CSRF token. */
export interface ConsoleSessionInfo {
  readonly person: {
    readonly subject: string;
    readonly email?: string;
    readonly name?: string;
    readonly groups: readonly string[];
  };
  readonly csrfToken: string;
  /** What to show; the API decides what each person may really see and do. */
  readonly roles: { readonly auditor: boolean; readonly admin: boolean };
}

export function loadConsoleSession(): Promise<ConsoleSessionInfo> {
  return callApi<ConsoleSessionInfo>('/console/auth/session');
}

export function signOut(): Promise<{ signedOut: true; endSessionUrl?: string }> {
  return callApi('/console/auth/logout', { method: 'POST' });
}

/** Where the browser goes to sign in, coming back to `returnTo` (a console path). */
export function signInUrl(returnTo: string): string {
  return `/console/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}
