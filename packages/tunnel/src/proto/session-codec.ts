import type { PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** What grpc-js calls to turn a Session message into bytes and back (one MethodDefinition). */
interface SessionMethodCodec {
  requestSerialize: (value: object) => Buffer;
  requestDeserialize: (bytes: Buffer) => object;
  responseSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => object;
}

type Fields = Record<string, unknown>;
type Convert = (value: unknown) => unknown;

/**
 * The Session call's messages without proto-loader's conversion to and from plain objects.
 * proto-loader serialises every message with protobuf.js `fromObject` then `encode`, and
 * deserialises with `decode` then `toObject`, which walk and copy every field of every message.
 * Here protobuf.js encodes the plain object as it is, and the decoded message serves as it is:
 * its unset fields read their defaults from the message's prototype, and its `kind` getter names
 * the oneof member that is set, as proto-loader's `oneofs` option does. Only enums need a hand:
 * the tunnel's objects name them (TUNNEL_PROTO_OPTIONS `enums: String`) where protobuf.js reads
 * and writes numbers, so the fields on the way to one (an OpenSession's kind, era and masking
 * style) are converted, and nothing else is touched.
 */
export function useDirectSessionCodec(definition: PackageDefinition, root: protobuf.Root): void {
  const service = definition['airlock.tunnel.v1.TunnelService'] as
    Record<string, SessionMethodCodec | undefined> | undefined;
  const method = service?.['Session'];
  if (!method) throw new Error('The tunnel protocol definition has no TunnelService.Session method.');
  root.resolveAll();
  for (const [side, type] of [
    ['request', root.lookupType('airlock.tunnel.v1.SessionRequest')],
    ['response', root.lookupType('airlock.tunnel.v1.SessionResponse')],
  ] as const) {
    const toNumbers = enumConverter(type, 'numbers') ?? ((value: unknown) => value);
    const toNames = enumConverter(type, 'names') ?? ((value: unknown) => value);
    method[`${side}Serialize`] = (value) => type.encode(toNumbers(value) as Fields).finish() as Buffer;
    method[`${side}Deserialize`] = (bytes) => toNames(type.decode(bytes)) as object;
  }
}

/**
 * Converts the enums of a `type` message, at any depth: to numbers in a copy of a plain object
 * (the caller's objects are never changed; a policy object is shared by every OpenSession), or to
 * names in place on a just-decoded message. Undefined when the type holds no enum at all.
 */
function enumConverter(
  type: protobuf.Type,
  to: 'numbers' | 'names',
  seen = new Map<protobuf.Type, Convert | undefined>(),
): Convert | undefined {
  if (seen.has(type)) return seen.get(type);
  seen.set(type, undefined);
  const fields: [name: string, convert: Convert][] = [];
  for (const field of type.fieldsArray) {
    const resolved = field.resolvedType;
    let one: Convert | undefined;
    if (resolved instanceof protobuf.Enum) {
      one =
        to === 'numbers'
          ? (value) => (typeof value === 'string' ? (resolved.values[value] ?? value) : value)
          : (value) => resolved.valuesById[value as number] ?? value;
    } else if (resolved instanceof protobuf.Type && !field.map) {
      one = enumConverter(resolved, to, seen);
    }
    if (!one) continue;
    const convert = one;
    fields.push([field.name, field.repeated ? (value) => (value as unknown[]).map(convert) : convert]);
  }
  if (fields.length === 0) return undefined;
  const converter: Convert =
    to === 'names'
      ? (value) => {
          const message = value as Fields;
          for (const [name, convert] of fields) {
            // Unset enums read 0 from the prototype: proto-loader's `defaults` names them too.
            if (message[name] !== null && message[name] !== undefined) message[name] = convert(message[name]);
          }
          return message;
        }
      : (value) => {
          const object = value as Fields;
          let copy: Fields | undefined;
          for (const [name, convert] of fields) {
            if (object[name] === null || object[name] === undefined) continue;
            copy ??= { ...object };
            copy[name] = convert(object[name]);
          }
          return copy ?? object;
        };
  seen.set(type, converter);
  return converter;
}
