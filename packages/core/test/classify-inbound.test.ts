import { describe, expect, it } from 'vitest';
import {
  AirlockError,
  classifyInbound,
  encodeMcpHeaderValue,
  parseJsonRpcMessage,
  standardHeadersFor,
} from '../src/index.js';

const modern = (method: string, params: Record<string, unknown> = {}) =>
  parseJsonRpcMessage(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    }),
  );

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as AirlockError).code;
  }
}

const claiming = (version: string) =>
  parseJsonRpcMessage(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'server/discover',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': version } },
    }),
  );

describe('classifyInbound', () => {
  it('checks the headers against the body before judging the version (SEP-2575: -32020 first)', () => {
    const headers = { protocolVersion: '2026-07-28', mcpMethod: 'server/discover' };
    expect(codeOf(() => classifyInbound(claiming('v999.0.0'), headers))).toBe('header_mismatch');
  });

  it('lists the versions the connection serves, and echoes the requested one, for an unknown version', () => {
    const headers = { protocolVersion: 'v999.0.0', mcpMethod: 'server/discover' };
    let failure: AirlockError | undefined;
    try {
      classifyInbound(claiming('v999.0.0'), headers, { supportedVersions: () => ['2026-07-28'] });
    } catch (error) {
      failure = error as AirlockError;
    }
    expect(failure?.code).toBe('unsupported_protocol_version');
    expect(failure?.toJsonRpcError()).toMatchObject({
      code: -32022,
      data: { supported: ['2026-07-28'], requested: 'v999.0.0' },
    });
  });

  it('treats a plain request as legacy with the header or default version', () => {
    const msg = parseJsonRpcMessage('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(classifyInbound(msg, {})).toEqual({ era: 'legacy', protocolVersion: '2025-03-26' });
    expect(classifyInbound(msg, { protocolVersion: '2025-11-25' })).toEqual({
      era: 'legacy',
      protocolVersion: '2025-11-25',
    });
  });

  it('accepts a modern request whose headers mirror the body', () => {
    const msg = modern('tools/call', { name: 'echo', arguments: {} });
    expect(
      classifyInbound(msg, { protocolVersion: '2026-07-28', mcpMethod: 'tools/call', mcpName: 'echo' }),
    ).toEqual({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
  });

  it('refuses header/body mismatches with header_mismatch (HTTP 400, -32020)', () => {
    const msg = modern('tools/call', { name: 'echo' });
    const cases = [
      { protocolVersion: '2025-11-25', mcpMethod: 'tools/call', mcpName: 'echo' },
      { protocolVersion: '2026-07-28', mcpMethod: 'tools/list', mcpName: 'echo' },
      { protocolVersion: '2026-07-28', mcpMethod: 'tools/call', mcpName: 'delete_everything' },
      { protocolVersion: '2026-07-28', mcpMethod: 'tools/call' },
      { mcpMethod: 'tools/call', mcpName: 'echo' },
    ];
    for (const headers of cases) expect(codeOf(() => classifyInbound(msg, headers))).toBe('header_mismatch');
    const error = new AirlockError('header_mismatch', 'x');
    expect([error.httpStatus, error.jsonRpcCode]).toEqual([400, -32020]);
  });

  it('decodes Base64-sentinel Mcp-Name values', () => {
    const msg = modern('resources/read', { uri: 'file:///tmp/ünïcode' });
    const encoded = encodeMcpHeaderValue('file:///tmp/ünïcode');
    expect(encoded.startsWith('=?base64?')).toBe(true);
    expect(
      classifyInbound(msg, { protocolVersion: '2026-07-28', mcpMethod: 'resources/read', mcpName: encoded })
        .era,
    ).toBe('modern');
  });

  it('refuses a legacy body with a modern version header (missing envelope)', () => {
    const msg = parseJsonRpcMessage('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(
      codeOf(() => classifyInbound(msg, { protocolVersion: '2026-07-28', mcpMethod: 'tools/list' })),
    ).toBe('invalid_params');
  });

  it('refuses an Mcp-Method header that disagrees with a legacy body', () => {
    const msg = parseJsonRpcMessage('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}');
    expect(codeOf(() => classifyInbound(msg, { mcpMethod: 'tools/list' }))).toBe('header_mismatch');
  });

  it('derives the upstream headers from the body', () => {
    expect(standardHeadersFor(modern('tools/call', { name: 'echo' }), '2026-07-28')).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
    });
  });
});

describe('parseJsonRpcMessage', () => {
  it('maps bad JSON to parse_error and bad shapes to invalid_request', () => {
    expect(codeOf(() => parseJsonRpcMessage('{nope'))).toBe('parse_error');
    expect(codeOf(() => parseJsonRpcMessage('{"jsonrpc":"1.0","id":1,"method":"x"}'))).toBe(
      'invalid_request',
    );
    expect(codeOf(() => parseJsonRpcMessage('[{"jsonrpc":"2.0","id":1,"method":"x"}]'))).toBe(
      'invalid_request',
    );
    expect(codeOf(() => parseJsonRpcMessage('{"jsonrpc":"2.0","id":{},"method":"x"}'))).toBe(
      'invalid_request',
    );
    expect(codeOf(() => parseJsonRpcMessage('{"jsonrpc":"2.0","id":1}'))).toBe('invalid_request');
  });
});
