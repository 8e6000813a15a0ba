import { signInUrl } from '../api/console-session.js';

/** After sign-out: the gateway session is gone; the identity provider's own session may remain. */
export function SignedOutPage(props: { endSessionUrl: string | undefined }) {
  return (
    <main class="signed-out">
      <h1>You are signed out of the Airlock console</h1>
      <p>
        <a href={signInUrl('/console/sessions')}>Sign in again</a>
      </p>
      {props.endSessionUrl ? (
        <p>
          <a href={props.endSessionUrl}>Also sign out at your identity provider</a>
        </p>
      ) : null}
    </main>
  );
}
