import { AirlockError } from '@airlock/core';

/**
 * The recorded end reason of a gateway session (`session_end.end.reason`): a fixed word an auditor
 * filters on. `client_closed`, `expired`, `revoked` and `completed` count as normal ends; anything
 * else marks the session failed (see the recording store).
 */
export type SessionEndReason =
  | 'client_closed'
  | 'expired'
  | 'revoked'
  | 'agent_lost'
  | 'upstream_closed'
  | 'upstream_crashed'
  | 'gateway_shutdown'
  | 'recording_unavailable'
  | 'relay_failed';

/** Why a session ended when its tunnel stream ended (the agent, the upstream or the tunnel said so). */
export function endReasonOf(failure: AirlockError | undefined): SessionEndReason {
  if (failure === undefined) return 'upstream_closed';
  const cause = failure.cause;
  if (cause instanceof AirlockError && cause.data?.['endReason'] === 'revoked') return 'revoked';
  if (failure.data?.['endReason'] === 'revoked') return 'revoked';
  switch (failure.code) {
    case 'tunnel_closed':
    case 'agent_unavailable':
      return 'agent_lost';
    case 'upstream_closed':
      return 'upstream_closed';
    case 'upstream_failed':
      return 'upstream_crashed';
    case 'recording_unavailable':
      return 'recording_unavailable';
    default:
      return 'relay_failed';
  }
}
