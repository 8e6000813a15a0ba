import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { fromJSON, loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/tunnel.js';

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

function loadTunnelDefinition(): ReturnType<typeof loadSync> {
  if (typeof AIRLOCK_BUNDLED_TUNNEL_PROTO === 'string')
    return fromJSON(
      JSON.parse(AIRLOCK_BUNDLED_TUNNEL_PROTO) as Parameters<typeof fromJSON>[0],
      TUNNEL_PROTO_OPTIONS,
    );
  return loadSync(TUNNEL_PROTO_FILE, { ...TUNNEL_PROTO_OPTIONS, includeDirs: [tunnelProtoDir()] });
}

/** The tunnel service and message definitions, loaded once from the .proto at runtime. */
export function tunnelProto(): ProtoGrpcType['airlock']['tunnel']['v1'] {
  if (!loaded) {
    const definition = loadTunnelDefinition();
    loaded = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).airlock.tunnel.v1;
  }
  return loaded;
}
