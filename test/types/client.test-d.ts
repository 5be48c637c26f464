import { describe, expectTypeOf, it } from 'vitest';
import type {
  Codex,
  ModelListResponse,
  Notification,
  ThreadStartResponse,
  TurnCompletedNotification,
  TurnStartedNotification,
  AgentMessageDeltaNotification,
  UnknownNotification,
  LogoutAccountResponse,
  TurnStartParams,
  CommandExecutionRequestApprovalParams,
  Thread,
  ThreadItem,
  TurnResult,
} from '../../src/index.js';
import { externalMessage, image, text } from '../../src/index.js';

describe('typed protocol surface', () => {
  it("request('thread/start', …) returns ThreadStartResponse", () => {
    expectTypeOf<Codex['request']>().toBeFunction();
    const codex = null as unknown as Codex;
    expectTypeOf(codex.request('thread/start', {})).toEqualTypeOf<Promise<ThreadStartResponse>>();
    expectTypeOf(codex.request('model/list')).toEqualTypeOf<Promise<ModelListResponse>>();
    expectTypeOf(codex.request('account/logout')).toEqualTypeOf<Promise<LogoutAccountResponse>>();
    // rawRequest's params are optional too (a newer server's method that takes none).
    expectTypeOf(codex.rawRequest('account/logout')).toEqualTypeOf<Promise<unknown>>();
  });

  it('requires params where the method has required fields, and checks their types', () => {
    const codex = null as unknown as Codex;
    expectTypeOf(codex.request<'turn/start'>).parameter(1).toEqualTypeOf<TurnStartParams>();
    // @ts-expect-error turn/start needs params
    void codex.request('turn/start');
    // @ts-expect-error threadId must be a string
    void codex.request('thread/read', { threadId: 1 });
    // @ts-expect-error no such method
    void codex.request('thread/nope', {});
  });

  it('narrows a Notification on method to that notification’s params', () => {
    const n = null as unknown as Notification;
    if (n.method === 'turn/started') expectTypeOf(n.params).toEqualTypeOf<TurnStartedNotification>();
    if (n.method === 'turn/completed') expectTypeOf(n.params).toEqualTypeOf<TurnCompletedNotification>();
    switch (n.method) {
      case 'item/agentMessage/delta':
        expectTypeOf(n.params).toEqualTypeOf<AgentMessageDeltaNotification>();
        break;
      default:
        break;
    }
    expectTypeOf<Extract<Notification, { params: unknown }>>().toMatchTypeOf<Notification>();
    expectTypeOf<UnknownNotification['params']>().toBeUnknown();
  });
});

describe('session surface', () => {
  it('types server-request handlers by method', () => {
    type Handlers = NonNullable<Parameters<typeof Codex.start>[0]>['onServerRequest'];
    const handlers: Handlers = {
      'item/commandExecution/requestApproval': (params, context) => {
        expectTypeOf(params).toEqualTypeOf<CommandExecutionRequestApprovalParams>();
        expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
        return { decision: 'accept' };
      },
      // @ts-expect-error a file-change approval answers with a FileChangeApprovalDecision
      'item/fileChange/requestApproval': () => ({ decision: 'acceptWithExecpolicyAmendment' }),
    };
    void handlers;
  });

  it('gives run() a TurnResult and turns an AsyncIterable of notifications', async () => {
    const thread = null as unknown as Thread;
    expectTypeOf(thread.run('hi')).toEqualTypeOf<Promise<TurnResult>>();
    const turn = await thread.turn([text('a'), image('data:')]);
    expectTypeOf(turn).toMatchTypeOf<AsyncIterable<Notification>>();
    expectTypeOf(turn.text()).toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<TurnResult['finalResponse']>().toEqualTypeOf<string | null>();
    expectTypeOf<TurnResult['items']>().toEqualTypeOf<readonly ThreadItem[]>();
    const reviewed = await thread.run<{ score: number }>('rate it', { outputSchema: {} });
    expectTypeOf(reviewed.parsed).toEqualTypeOf<{ score: number } | undefined>();
    // @ts-expect-error approvalMode is one of the presets
    void thread.turn('x', { approvalMode: 'sometimes' });
  });

  it('refuses an externalMessage in turn.steer(), which turn/steer cannot carry', async () => {
    const turn = await (null as unknown as Thread).turn('hi');
    const output = externalMessage({ toolName: 'weather', content: 'sunny' });
    void turn.steer('more');
    void turn.steer([text('a')]);
    // @ts-expect-error turn/steer has no field for tool output
    void turn.steer(output);
  });
});
