// Original file: proto/airlock/tunnel/v1/tunnel.proto


export interface Welcome {
  'gatewayId'?: (string);
  /**
   * How often each side sends a Heartbeat on the control stream.
   */
  'heartbeatIntervalMs'?: (number);
  /**
   * The largest Frame.data the gateway sends or accepts.
   */
  'maxChunkBytes'?: (number);
  /**
   * How many standby Session streams the agent keeps open ahead of demand (Attach.standby), when it
   * announced the "standby-streams" capability. 0 (a gateway that predates them): none.
   */
  'standbyStreams'?: (number);
  /**
   * True when the agent announced the "standby-reuse" capability and the gateway reuses standby
   * streams: an exchange that ended cleanly (an End each way, neither with a failure) leaves its
   * stream open, and the agent sends a new Attach (standby) on it, so it waits for the next
   * exchange instead of being closed and replaced. False: every stream carries one exchange.
   */
  'reuseStandbyStreams'?: (boolean);
  /**
   * True when, with reuse_standby_streams, the agent also announced the "standby-rejoin"
   * capability: no Attach follows a clean exchange. Each side puts the stream back in its pool as
   * soon as it has sent and received a clean End, and the gateway may send the next OpenSession on
   * it at once. An agent that cannot keep such a stream cancels the call.
   */
  'standbyRejoinOnEnd'?: (boolean);
  /**
   * True when, with standby_rejoin_on_end, the agent also announced the "end-with-answer"
   * capability: the agent's clean End of an exchange (on its own, or riding on its last frame as
   * Frame.last) completes the exchange both ways. The gateway sends no End in answer, and each
   * side puts the stream back in its pool at once: the agent when its End is written, the gateway
   * when it has read it. An End from the gateway (it stops an exchange early) is still answered
   * by the agent's. So a whole exchange is two gRPC messages: the OpenSession with the request,
   * and the answer with the End. An End the agent reads on a stream back in its pool (the
   * gateway's, crossing the agent's own) belongs to the exchange before and is skipped.
   */
  'exchangeEndsWithAnswer'?: (boolean);
}

export interface Welcome__Output {
  'gatewayId': (string);
  /**
   * How often each side sends a Heartbeat on the control stream.
   */
  'heartbeatIntervalMs': (number);
  /**
   * The largest Frame.data the gateway sends or accepts.
   */
  'maxChunkBytes': (number);
  /**
   * How many standby Session streams the agent keeps open ahead of demand (Attach.standby), when it
   * announced the "standby-streams" capability. 0 (a gateway that predates them): none.
   */
  'standbyStreams': (number);
  /**
   * True when the agent announced the "standby-reuse" capability and the gateway reuses standby
   * streams: an exchange that ended cleanly (an End each way, neither with a failure) leaves its
   * stream open, and the agent sends a new Attach (standby) on it, so it waits for the next
   * exchange instead of being closed and replaced. False: every stream carries one exchange.
   */
  'reuseStandbyStreams': (boolean);
  /**
   * True when, with reuse_standby_streams, the agent also announced the "standby-rejoin"
   * capability: no Attach follows a clean exchange. Each side puts the stream back in its pool as
   * soon as it has sent and received a clean End, and the gateway may send the next OpenSession on
   * it at once. An agent that cannot keep such a stream cancels the call.
   */
  'standbyRejoinOnEnd': (boolean);
  /**
   * True when, with standby_rejoin_on_end, the agent also announced the "end-with-answer"
   * capability: the agent's clean End of an exchange (on its own, or riding on its last frame as
   * Frame.last) completes the exchange both ways. The gateway sends no End in answer, and each
   * side puts the stream back in its pool at once: the agent when its End is written, the gateway
   * when it has read it. An End from the gateway (it stops an exchange early) is still answered
   * by the agent's. So a whole exchange is two gRPC messages: the OpenSession with the request,
   * and the answer with the End. An End the agent reads on a stream back in its pool (the
   * gateway's, crossing the agent's own) belongs to the exchange before and is skipped.
   */
  'exchangeEndsWithAnswer': (boolean);
}
