import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { fromJSON, type Options, type PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { ProtoGrpcType } from '../generated/tunnel.js';
import { useDirectSessionCodec } from './session-codec.js';

export const TUNNEL_PROTO_FILE = 'airlock/tunnel/v1/tunnel.proto';

/**
 * Decoding options. They must match scripts/proto-gen.mjs (--longs=Number --enums=String
 * --defaults --oneofs), or the generated types lie about the objects gRPC hands us.
 */
export const TUNNEL_PROTO_OPTIONS: Options = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

/**
 * The repository's proto/ directory. This file sits at packages/tunnel/{src,dist}/proto/, four levels
 * under the repository root either way, so the same relative URL works from sources and builds.
 */
export function tunnelProtoDir(): string {
  const dir = fileURLToPath(new URL('../../../../proto/', import.meta.url));
  if (!existsSync(`${dir}${TUNNEL_PROTO_FILE}`)) {
    throw new Error(
      `The tunnel protocol definition ${TUNNEL_PROTO_FILE} was not found under ${dir}. ` +
        'Ship the repository proto/ directory next to packages/ (the Docker image copies it).',
    );
  }
  return dir;
}

/**
 * Set by scripts/build-agent-binary.mjs (an esbuild `define`): the .proto as protobuf.js JSON, so
 * the single-file agent executable needs no proto/ folder beside it.
 */
declare const AIRLOCK_BUNDLED_TUNNEL_PROTO: string | undefined;

let loaded: ProtoGrpcType['airlock']['tunnel']['v1'] | undefined;

/**
 * The .proto as protobuf.js JSON, parsed once: proto-loader builds gRPC's definition from it, and
 * the Session codec encodes and decodes with protobuf.js types of its own built from it.
 * keepCase false, as TUNNEL_PROTO_OPTIONS (the parser applies it to field names).
 */
function tunnelProtoJson(): protobuf.INamespace {
  if (typeof AIRLOCK_BUNDLED_TUNNEL_PROTO === 'string')
    return JSON.parse(AIRLOCK_BUNDLED_TUNNEL_PROTO) as protobuf.INamespace;
  const root = new protobuf.Root();
  root.loadSync(`${tunnelProtoDir()}${TUNNEL_PROTO_FILE}`, { keepCase: false });
  return root.toJSON();
}

function loadTunnelDefinition(): PackageDefinition {
  const json = tunnelProtoJson();
  const definition = fromJSON(json as Parameters<typeof fromJSON>[0], TUNNEL_PROTO_OPTIONS);
  useDirectSessionCodec(definition, protobuf.Root.fromJSON(json));
  return definition;
}

/** The tunnel service and message definitions, loaded once from the .proto at runtime. */
export function tunnelProto(): ProtoGrpcType['airlock']['tunnel']['v1'] {
  if (!loaded) {
    const definition = loadTunnelDefinition();
    loaded = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).airlock.tunnel.v1;
  }
  return loaded;
}
