/** Recorded sessions (filled in by the sessions page work). */
export function SessionsPage() {
  return (
    <section>
      <h1>Sessions</h1>
    </section>
  );
}
