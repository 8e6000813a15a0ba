export type { FrameMeta, TunnelMessage, TunnelStream, TunnelStreamHandler } from './tunnel-stream.js';
