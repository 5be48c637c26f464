import { describe, expect, it } from 'vitest';
import {
  InternalRpcError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  RetryLimitExceededError,
  ServerBusyError,
  UnsupportedFeatureError,
} from '../../src/errors.js';
import { SCHEMA_CODEX_VERSION } from '../../src/generated/version.js';
import { classifyServerError } from '../../src/rpc/classify.js';

const classify = (code: number, message: string, data?: unknown, method = 'thread/start') =>
  classifyServerError(code, message, data, method);

describe('classifyServerError', () => {
  it('maps standard codes first', () => {
    expect(classify(-32700, 'bad json')).toBeInstanceOf(ParseError);
    expect(classify(-32601, 'nope')).toBeInstanceOf(MethodNotFoundError);
    expect(classify(-32602, 'nope')).toBeInstanceOf(InvalidParamsError);
    expect(classify(-32603, 'boom')).toBeInstanceOf(InternalRpcError);
    const other = classify(-1, 'custom');
    expect(other.constructor).toBe(JsonRpcError);
  });

  it('treats -32001 and server_overloaded data as ServerBusyError', () => {
    expect(classify(-32001, 'Server overloaded; retry later.')).toBeInstanceOf(ServerBusyError);
    expect(classify(-32600, 'busy', 'server_overloaded')).toBeInstanceOf(ServerBusyError);
    expect(classify(-32603, 'busy', { codexErrorInfo: 'serverOverloaded' })).toBeInstanceOf(ServerBusyError);
    expect(classify(-32001, 'Retry limit reached')).toBeInstanceOf(RetryLimitExceededError);
  });

  it('splits codex -32600 errors by message', () => {
    const unknownMethod = classify(-32600, 'Invalid request: unknown variant `foo/bar`, expected one of `initialize`', undefined, 'foo/bar');
    expect(unknownMethod).toBeInstanceOf(MethodNotFoundError);
    expect(classify(-32600, 'Invalid request: unknown variant `bogus`, expected one of `never`')).toBeInstanceOf(InvalidParamsError);
    expect(classify(-32600, 'Invalid request: missing field `threadId`')).toBeInstanceOf(InvalidParamsError);
    expect(classify(-32600, 'Invalid request: invalid type: integer `1`, expected a string')).toBeInstanceOf(InvalidParamsError);
    const notFound = classify(-32600, 'thread not found: abc');
    expect(notFound).toBeInstanceOf(InvalidRequestError);
    expect(notFound.message).toBe('thread not found: abc');
    expect(notFound).toMatchObject({ code: -32600, method: 'thread/start', data: undefined });
  });

  it('gives UnsupportedFeatureError, with a short message, for a method the server does not have', () => {
    const serverText = 'Invalid request: unknown variant `thread/teleport`, expected one of `initialize`, `thread/start`, `turn/start`';
    const error = classifyServerError(-32600, serverText, undefined, 'thread/teleport', '0.169.0');
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect(error).toBeInstanceOf(MethodNotFoundError); // what unknown methods gave before
    expect(error).toMatchObject({
      reason: 'unknownMethod',
      feature: 'thread/teleport',
      method: 'thread/teleport',
      serverVersion: '0.169.0',
      schemaVersion: SCHEMA_CODEX_VERSION,
      serverMessage: serverText,
      knownMethods: ['initialize', 'thread/start', 'turn/start'],
      code: -32600,
    });
    expect(error.message).toBe(`codex app-server 0.169.0 does not have the method thread/teleport (the SDK's types come from codex ${SCHEMA_CODEX_VERSION})`);
  });

  it('gives UnsupportedFeatureError for an experimental method or field used without experimentalApi', () => {
    const method = classifyServerError(-32600, 'memory/status requires experimentalApi capability', undefined, 'memory/status', '0.171.0');
    expect(method).toBeInstanceOf(UnsupportedFeatureError);
    expect(method).toMatchObject({ reason: 'experimental', feature: 'memory/status', knownMethods: [] });
    expect(method.message).toContain('memory/status is experimental: start the client with experimentalApi: true (codex app-server 0.171.0;');
    const field = classifyServerError(-32600, 'thread/list.projectId requires experimentalApi capability', undefined, 'thread/list');
    expect(field).toMatchObject({ reason: 'experimental', feature: 'thread/list.projectId', serverVersion: undefined });
    expect(field.message).toContain('(version unknown)');
    // Another method's name in the text is not this call's feature.
    expect(classify(-32600, 'memory/status requires experimentalApi capability')).toBeInstanceOf(InvalidRequestError);
  });
});
