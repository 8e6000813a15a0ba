import type { SessionVerification } from '@airlock/recording';

/** The first event that breaks the recording's integrity, if any: what and where. */
export function firstProblem(report: SessionVerification): { eventId?: string; detail: string } | undefined {
  for (const source of ['gateway', 'agent'] as const) {
    const broken = report.chains[source].breaks[0];
    if (broken)
      return {
        eventId: broken.eventId,
        detail: `${source} chain${broken.chain ? ` ${broken.chain}` : ''}: ${broken.problem} at seq ${broken.seq} (${broken.detail})`,
      };
  }
  const mismatch = report.agreement.mismatches[0];
  if (mismatch) return { eventId: mismatch.eventId, detail: `${mismatch.problem}: ${mismatch.detail}` };
  return undefined;
}

/** Verification at the top of a replay: chains intact and records agreeing, or the event that breaks it. */
export function VerificationBanner(props: {
  report: SessionVerification | undefined;
  onShow(eventId: string): void;
}) {
  const { report } = props;
  if (report === undefined) return <p class="notice">Verifying the recording…</p>;
  if (report.ok) {
    return (
      <p class="notice verified" data-testid="verification">
        <span class="tag ok">verified</span> Every hash chain intact (gateway {report.chains.gateway.events}{' '}
        events{report.gatewayChains ? ` in ${report.gatewayChains.length} gateway chains` : ''}, agent{' '}
        {report.chains.agent.events}); the records agree ({report.agreement.matched} messages compared).
      </p>
    );
  }
  const problem = firstProblem(report);
  return (
    <p class="error" data-testid="verification">
      <strong>Verification failed.</strong> {problem?.detail}{' '}
      {problem?.eventId ? (
        <button type="button" onClick={() => props.onShow(problem.eventId as string)}>
          Show the event
        </button>
      ) : null}
    </p>
  );
}
