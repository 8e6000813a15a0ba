import type { PackageDefinition } from '@grpc/proto-loader';
import type protobuf from 'protobufjs';

/** What grpc-js calls to turn a Session message into bytes and back (one MethodDefinition). */
interface SessionMethodCodec {
  requestSerialize: (value: object) => Buffer;
  requestDeserialize: (bytes: Buffer) => object;
  responseSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => object;
}

/**
 * The Session call's frames, Ends and Attaches without proto-loader's conversion to and from
 * plain objects. proto-loader serialises every message with protobuf.js `fromObject` then
 * `encode`, and deserialises with `decode` then `toObject` (every default filled in, enums as
 * strings). Those messages have no enum anywhere in them, so protobuf.js encodes the plain object
 * as it is, and the decoded message serves as it is: its unset fields read their defaults from
 * the message's prototype, and its `kind` getter names the oneof member that is set, as
 * proto-loader's `oneofs` option does. An OpenSession (enums: kind, era, masking style) keeps
 * proto-loader's conversion both ways.
 */
export function useDirectSessionCodec(definition: PackageDefinition, root: protobuf.Root): void {
  const service = definition['airlock.tunnel.v1.TunnelService'] as
    Record<string, SessionMethodCodec | undefined> | undefined;
  const method = service?.['Session'];
  if (!method) throw new Error('The tunnel protocol definition has no TunnelService.Session method.');
  const request = root.lookupType('airlock.tunnel.v1.SessionRequest');
  const response = root.lookupType('airlock.tunnel.v1.SessionResponse');
  const { responseSerialize, responseDeserialize } = method;

  const encode =
    (type: protobuf.Type, converted?: (value: object) => Buffer) =>
    (value: object): Buffer =>
      converted && (value as { open?: unknown }).open !== undefined
        ? converted(value)
        : (type.encode(value).finish() as Buffer);
  const decode =
    (type: protobuf.Type, converted?: (bytes: Buffer) => object) =>
    (bytes: Buffer): object => {
      const message = type.decode(bytes) as protobuf.Message & { kind?: string };
      return converted && message.kind === 'open' ? converted(bytes) : message;
    };

  // SessionRequest (agent → gateway) carries no enum at all; SessionResponse's `open` does.
  method.requestSerialize = encode(request);
  method.requestDeserialize = decode(request);
  method.responseSerialize = encode(response, responseSerialize);
  method.responseDeserialize = decode(response, responseDeserialize);
}
