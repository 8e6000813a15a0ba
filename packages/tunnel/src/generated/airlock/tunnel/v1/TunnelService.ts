// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ControlRequest as _airlock_tunnel_v1_ControlRequest, ControlRequest__Output as _airlock_tunnel_v1_ControlRequest__Output } from '../../../airlock/tunnel/v1/ControlRequest.js';
import type { ControlResponse as _airlock_tunnel_v1_ControlResponse, ControlResponse__Output as _airlock_tunnel_v1_ControlResponse__Output } from '../../../airlock/tunnel/v1/ControlResponse.js';
import type { RecordRequest as _airlock_tunnel_v1_RecordRequest, RecordRequest__Output as _airlock_tunnel_v1_RecordRequest__Output } from '../../../airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse as _airlock_tunnel_v1_RecordResponse, RecordResponse__Output as _airlock_tunnel_v1_RecordResponse__Output } from '../../../airlock/tunnel/v1/RecordResponse.js';
import type { SessionRequest as _airlock_tunnel_v1_SessionRequest, SessionRequest__Output as _airlock_tunnel_v1_SessionRequest__Output } from '../../../airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse as _airlock_tunnel_v1_SessionResponse, SessionResponse__Output as _airlock_tunnel_v1_SessionResponse__Output } from '../../../airlock/tunnel/v1/SessionResponse.js';

/**
 * Served by the gateway; called by the agent. Every call carries the agent's credentials in
 * metadata: `authorization: Bearer <agent token>` and `airlock-agent-id: <agent id>`.
 */
export interface TunnelServiceClient extends grpc.Client {
  /**
   * The control stream. The agent's first message is a Hello; the gateway answers Welcome.
   */
  Control(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlResponse__Output>;
  Control(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlResponse__Output>;
  /**
   * The control stream. The agent's first message is a Hello; the gateway answers Welcome.
   */
  control(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlResponse__Output>;
  control(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlResponse__Output>;
  
  /**
   * The agent's recording events, delivered from its spool to the gateway's store. The agent sends
   * batches; the gateway answers each (by batch id) once stored, or with a failure. The agent
   * keeps a batch in its spool until it is answered without a failure.
   */
  Record(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordResponse__Output>;
  Record(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordResponse__Output>;
  /**
   * The agent's recording events, delivered from its spool to the gateway's store. The agent sends
   * batches; the gateway answers each (by batch id) once stored, or with a failure. The agent
   * keeps a batch in its spool until it is answered without a failure.
   */
  record(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordResponse__Output>;
  record(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordResponse__Output>;
  
  /**
   * One MCP session or exchange. The agent's first message is an Attach naming the OpenSession
   * it answers; then both sides send Frames; either side ends it with an End.
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionResponse__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionResponse__Output>;
  /**
   * One MCP session or exchange. The agent's first message is an Attach naming the OpenSession
   * it answers; then both sides send Frames; either side ends it with an End.
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionResponse__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionResponse__Output>;
  
}

/**
 * Served by the gateway; called by the agent. Every call carries the agent's credentials in
 * metadata: `authorization: Bearer <agent token>` and `airlock-agent-id: <agent id>`.
 */
export interface TunnelServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The control stream. The agent's first message is a Hello; the gateway answers Welcome.
   */
  Control: grpc.handleBidiStreamingCall<_airlock_tunnel_v1_ControlRequest__Output, _airlock_tunnel_v1_ControlResponse>;
  
  /**
   * The agent's recording events, delivered from its spool to the gateway's store. The agent sends
   * batches; the gateway answers each (by batch id) once stored, or with a failure. The agent
   * keeps a batch in its spool until it is answered without a failure.
   */
  Record: grpc.handleBidiStreamingCall<_airlock_tunnel_v1_RecordRequest__Output, _airlock_tunnel_v1_RecordResponse>;
  
  /**
   * One MCP session or exchange. The agent's first message is an Attach naming the OpenSession
   * it answers; then both sides send Frames; either side ends it with an End.
   */
  Session: grpc.handleBidiStreamingCall<_airlock_tunnel_v1_SessionRequest__Output, _airlock_tunnel_v1_SessionResponse>;
  
}

export interface TunnelServiceDefinition extends grpc.ServiceDefinition {
  Control: MethodDefinition<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlResponse, _airlock_tunnel_v1_ControlRequest__Output, _airlock_tunnel_v1_ControlResponse__Output>
  Record: MethodDefinition<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordResponse, _airlock_tunnel_v1_RecordRequest__Output, _airlock_tunnel_v1_RecordResponse__Output>
  Session: MethodDefinition<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionResponse, _airlock_tunnel_v1_SessionRequest__Output, _airlock_tunnel_v1_SessionResponse__Output>
}
