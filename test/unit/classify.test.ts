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
} from '../../src/errors.js';
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
});
