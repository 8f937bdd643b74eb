import { describe, expect, it } from 'vitest';
import { jsonRpcProblem } from '../../src/transports/jsonrpc-check.js';
import { leadingId } from '../../src/transports/jsonrpc-frame.js';
import { pathSegmentProblem } from '../../src/core/shared/path-segment.js';

describe('leadingId: the id of a message too large to parse', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"x":"', 42],
    ['{ "id" : "a\\"b", "method":"x"', 'a"b'],
    ['{"jsonrpc":"2.0","method":"tools/call","params":{"id":7,"arguments":{"pad":"', null], // nested id is not the request's
    ['{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"pad":"xxxx', null], // id after the bulk: unknown
    ['{"id":1.5,"method":"x"', null],
    ['[{"id":3}', null],
  ] as [string, string | number | null][])('%s → %j', (prefix, id) => {
    expect(leadingId(prefix)).toBe(id);
  });
});

describe('jsonRpcProblem', () => {
  it('accepts valid requests, notifications and responses', () => {
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBeUndefined();
    expect(jsonRpcProblem({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBeUndefined();
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 'x', result: {} })).toBeUndefined();
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'a', arguments: { b: 1 } } })).toBeUndefined();
  });
  it('names the field that is wrong', () => {
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: null, method: 'ping' })?.message).toContain('id');
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'a', arguments: 5 } })).toMatchObject({ code: -32602, id: 3 });
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'a', arguments: 5 } })?.message).toContain('arguments');
  });
  it('answers what the SDK would drop unanswered although it looks plain: another top-level member, an odd _meta', () => {
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 2, method: 'ping', extra: 1 })).toMatchObject({ id: 2, reply: true });
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'x', _meta: { progressToken: {} } } })).toMatchObject({ id: 3, reply: true });
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'x', arguments: {}, _meta: { progressToken: 'p' } } })).toBeUndefined();
    expect(jsonRpcProblem({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x', _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } })).toBeUndefined();
  });
});

describe('pathSegmentProblem', () => {
  it('refuses lone UTF-16 surrogates and accepts paired ones', () => {
    expect(pathSegmentProblem('a\ud800b')).toContain('valid Unicode');
    expect(pathSegmentProblem('a\udc00')).toContain('valid Unicode');
    expect(pathSegmentProblem('emoji-😀')).toBeUndefined();
  });
});
