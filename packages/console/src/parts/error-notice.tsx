import { ApiError } from '../api/api-client.js';

/** An API refusal or failure, said the way the gateway said it (what happened, what to do). */
export function ErrorNotice(props: { error: unknown }) {
  const { error } = props;
  const code = error instanceof ApiError ? error.code : 'error';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p class="error" role="alert" data-code={code}>
      <strong>{code}</strong> {message}
    </p>
  );
}
