// Original file: proto/airlock/tunnel/v1/tunnel.proto


export interface Attach {
  /**
   * The OpenSession this stream answers; empty on a standby stream.
   */
  'openId'?: (string);
  /**
   * A stream opened ahead of demand (modern-era exchanges): it waits, attached, until the gateway
   * sends an OpenSession as its first SessionResponse, so an exchange costs no round trip on the
   * control stream. The agent opens a replacement when one is taken, or, when the Welcome says
   * reuse_standby_streams, sends this Attach again on the same stream once its exchange is over.
   */
  'standby'?: (boolean);
}

export interface Attach__Output {
  /**
   * The OpenSession this stream answers; empty on a standby stream.
   */
  'openId': (string);
  /**
   * A stream opened ahead of demand (modern-era exchanges): it waits, attached, until the gateway
   * sends an OpenSession as its first SessionResponse, so an exchange costs no round trip on the
   * control stream. The agent opens a replacement when one is taken, or, when the Welcome says
   * reuse_standby_streams, sends this Attach again on the same stream once its exchange is over.
   */
  'standby': (boolean);
}
