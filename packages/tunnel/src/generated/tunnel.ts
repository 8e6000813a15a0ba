import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Attach as _airlock_tunnel_v1_Attach, Attach__Output as _airlock_tunnel_v1_Attach__Output } from './airlock/tunnel/v1/Attach.js';
import type { Caller as _airlock_tunnel_v1_Caller, Caller__Output as _airlock_tunnel_v1_Caller__Output } from './airlock/tunnel/v1/Caller.js';
import type { Connection as _airlock_tunnel_v1_Connection, Connection__Output as _airlock_tunnel_v1_Connection__Output } from './airlock/tunnel/v1/Connection.js';
import type { ControlRequest as _airlock_tunnel_v1_ControlRequest, ControlRequest__Output as _airlock_tunnel_v1_ControlRequest__Output } from './airlock/tunnel/v1/ControlRequest.js';
import type { ControlResponse as _airlock_tunnel_v1_ControlResponse, ControlResponse__Output as _airlock_tunnel_v1_ControlResponse__Output } from './airlock/tunnel/v1/ControlResponse.js';
import type { CustomDetector as _airlock_tunnel_v1_CustomDetector, CustomDetector__Output as _airlock_tunnel_v1_CustomDetector__Output } from './airlock/tunnel/v1/CustomDetector.js';
import type { End as _airlock_tunnel_v1_End, End__Output as _airlock_tunnel_v1_End__Output } from './airlock/tunnel/v1/End.js';
import type { Failure as _airlock_tunnel_v1_Failure, Failure__Output as _airlock_tunnel_v1_Failure__Output } from './airlock/tunnel/v1/Failure.js';
import type { Frame as _airlock_tunnel_v1_Frame, Frame__Output as _airlock_tunnel_v1_Frame__Output } from './airlock/tunnel/v1/Frame.js';
import type { Heartbeat as _airlock_tunnel_v1_Heartbeat, Heartbeat__Output as _airlock_tunnel_v1_Heartbeat__Output } from './airlock/tunnel/v1/Heartbeat.js';
import type { Hello as _airlock_tunnel_v1_Hello, Hello__Output as _airlock_tunnel_v1_Hello__Output } from './airlock/tunnel/v1/Hello.js';
import type { MaskingFinding as _airlock_tunnel_v1_MaskingFinding, MaskingFinding__Output as _airlock_tunnel_v1_MaskingFinding__Output } from './airlock/tunnel/v1/MaskingFinding.js';
import type { MaskingPolicy as _airlock_tunnel_v1_MaskingPolicy, MaskingPolicy__Output as _airlock_tunnel_v1_MaskingPolicy__Output } from './airlock/tunnel/v1/MaskingPolicy.js';
import type { OpenRejected as _airlock_tunnel_v1_OpenRejected, OpenRejected__Output as _airlock_tunnel_v1_OpenRejected__Output } from './airlock/tunnel/v1/OpenRejected.js';
import type { OpenSession as _airlock_tunnel_v1_OpenSession, OpenSession__Output as _airlock_tunnel_v1_OpenSession__Output } from './airlock/tunnel/v1/OpenSession.js';
import type { RecordRequest as _airlock_tunnel_v1_RecordRequest, RecordRequest__Output as _airlock_tunnel_v1_RecordRequest__Output } from './airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse as _airlock_tunnel_v1_RecordResponse, RecordResponse__Output as _airlock_tunnel_v1_RecordResponse__Output } from './airlock/tunnel/v1/RecordResponse.js';
import type { SessionRequest as _airlock_tunnel_v1_SessionRequest, SessionRequest__Output as _airlock_tunnel_v1_SessionRequest__Output } from './airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse as _airlock_tunnel_v1_SessionResponse, SessionResponse__Output as _airlock_tunnel_v1_SessionResponse__Output } from './airlock/tunnel/v1/SessionResponse.js';
import type { TunnelServiceClient as _airlock_tunnel_v1_TunnelServiceClient, TunnelServiceDefinition as _airlock_tunnel_v1_TunnelServiceDefinition } from './airlock/tunnel/v1/TunnelService.js';
import type { Welcome as _airlock_tunnel_v1_Welcome, Welcome__Output as _airlock_tunnel_v1_Welcome__Output } from './airlock/tunnel/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  airlock: {
    tunnel: {
      v1: {
        Attach: MessageTypeDefinition<_airlock_tunnel_v1_Attach, _airlock_tunnel_v1_Attach__Output>
        Caller: MessageTypeDefinition<_airlock_tunnel_v1_Caller, _airlock_tunnel_v1_Caller__Output>
        Connection: MessageTypeDefinition<_airlock_tunnel_v1_Connection, _airlock_tunnel_v1_Connection__Output>
        ControlRequest: MessageTypeDefinition<_airlock_tunnel_v1_ControlRequest, _airlock_tunnel_v1_ControlRequest__Output>
        ControlResponse: MessageTypeDefinition<_airlock_tunnel_v1_ControlResponse, _airlock_tunnel_v1_ControlResponse__Output>
        CustomDetector: MessageTypeDefinition<_airlock_tunnel_v1_CustomDetector, _airlock_tunnel_v1_CustomDetector__Output>
        DetectorValidation: EnumTypeDefinition
        End: MessageTypeDefinition<_airlock_tunnel_v1_End, _airlock_tunnel_v1_End__Output>
        Failure: MessageTypeDefinition<_airlock_tunnel_v1_Failure, _airlock_tunnel_v1_Failure__Output>
        Frame: MessageTypeDefinition<_airlock_tunnel_v1_Frame, _airlock_tunnel_v1_Frame__Output>
        Heartbeat: MessageTypeDefinition<_airlock_tunnel_v1_Heartbeat, _airlock_tunnel_v1_Heartbeat__Output>
        Hello: MessageTypeDefinition<_airlock_tunnel_v1_Hello, _airlock_tunnel_v1_Hello__Output>
        MaskingFinding: MessageTypeDefinition<_airlock_tunnel_v1_MaskingFinding, _airlock_tunnel_v1_MaskingFinding__Output>
        MaskingPolicy: MessageTypeDefinition<_airlock_tunnel_v1_MaskingPolicy, _airlock_tunnel_v1_MaskingPolicy__Output>
        OpenRejected: MessageTypeDefinition<_airlock_tunnel_v1_OpenRejected, _airlock_tunnel_v1_OpenRejected__Output>
        OpenSession: MessageTypeDefinition<_airlock_tunnel_v1_OpenSession, _airlock_tunnel_v1_OpenSession__Output>
        ProtocolEra: EnumTypeDefinition
        RecordRequest: MessageTypeDefinition<_airlock_tunnel_v1_RecordRequest, _airlock_tunnel_v1_RecordRequest__Output>
        RecordResponse: MessageTypeDefinition<_airlock_tunnel_v1_RecordResponse, _airlock_tunnel_v1_RecordResponse__Output>
        ReplacementStyle: EnumTypeDefinition
        SessionKind: EnumTypeDefinition
        SessionRequest: MessageTypeDefinition<_airlock_tunnel_v1_SessionRequest, _airlock_tunnel_v1_SessionRequest__Output>
        SessionResponse: MessageTypeDefinition<_airlock_tunnel_v1_SessionResponse, _airlock_tunnel_v1_SessionResponse__Output>
        Transport: EnumTypeDefinition
        /**
         * Served by the gateway; called by the agent. Every call carries the agent's credentials in
         * metadata: `authorization: Bearer <agent token>` and `airlock-agent-id: <agent id>`.
         */
        TunnelService: SubtypeConstructor<typeof grpc.Client, _airlock_tunnel_v1_TunnelServiceClient> & { service: _airlock_tunnel_v1_TunnelServiceDefinition }
        Welcome: MessageTypeDefinition<_airlock_tunnel_v1_Welcome, _airlock_tunnel_v1_Welcome__Output>
      }
    }
  }
}

