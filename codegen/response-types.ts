/**
 * Which type a request's result has. The schema's request unions name only the params type, so the
 * response type is derived by convention (`FooParams` -> `FooResponse`), and this table covers the
 * methods where that fails: in 0.169.0, those whose params are `null` or not named after the response.
 *
 * Checked for 0.169.0 against the `response:` of the method in `client_request_definitions!` in
 * codex-rs/app-server-protocol/src/protocol/common.rs ("common.rs"), or, for methods newer than the
 * common.rs available, against the app-server handler that builds the result ("handler"). Every entry
 * was also probed on a live 0.169.0 app-server: the result's keys equal the type's properties.
 */
export const RESPONSE_TYPE_OVERRIDES: Readonly<Record<string, string>> = {
  'memory/reset': 'MemoryResetResponse', // common.rs (MemoryReset)
  'rollout/compress': 'RolloutCompressResponse', // handler: rollout_compress returns RolloutCompressResponse {}
  'account/gatewayOAuth/cancel': 'GatewayOAuthCancelResponse', // handler: gateway OAuth cancel
  'remoteControl/status/read': 'RemoteControlStatusReadResponse', // common.rs (RemoteControlStatusRead)
  'config/mcpServer/reload': 'McpServerRefreshResponse', // common.rs (McpServerRefresh)
  'windowsSandbox/readiness': 'WindowsSandboxReadinessResponse', // common.rs (WindowsSandboxReadiness)
  'accountSession/list': 'AccountSessionsResponse', // app-server tests read the list result as AccountSessionsResponse
  'account/logout': 'LogoutAccountResponse', // common.rs (LogoutAccount)
  // No source found; the only response type left unclaimed, and the live result is `{ notice }` as it declares.
  'account/securitySetup/read': 'GetAccountSecuritySetupResponse',
  'account/workspaceMessages/read': 'GetWorkspaceMessagesResponse', // common.rs (GetWorkspaceMessages)
  'externalAgentConfig/import/readHistories': 'ExternalAgentConfigImportHistoriesReadResponse', // live probe; other SDKs' tables agree
  'config/value/write': 'ConfigWriteResponse', // common.rs (ConfigValueWrite)
  'config/batchWrite': 'ConfigWriteResponse', // common.rs (ConfigBatchWrite)
  'configRequirements/read': 'ConfigRequirementsReadResponse', // common.rs (ConfigRequirementsRead)
  // 0.171.0, live probe: answers { status, version, filePath, overriddenMetadata }.
  'modelProvider/default/set': 'ConfigWriteResponse',
};

export type Direction = 'client request' | 'server request';

/**
 * The response type of `method`, which must exist in the schema. Throws, naming the method,
 * rather than ever falling back to `unknown`.
 */
export function resolveResponseType(
  direction: Direction,
  method: string,
  paramsTypeName: string | undefined,
  definitions: ReadonlySet<string>,
): string {
  const override = RESPONSE_TYPE_OVERRIDES[method];
  const conventional = paramsTypeName?.endsWith('Params') ? `${paramsTypeName.slice(0, -'Params'.length)}Response` : undefined;
  if (override !== undefined) {
    if (!definitions.has(override)) {
      throw new Error(`codegen: RESPONSE_TYPE_OVERRIDES maps ${direction} "${method}" to ${override}, which is not in schema/.`);
    }
    if (override === conventional) {
      throw new Error(`codegen: RESPONSE_TYPE_OVERRIDES entry for "${method}" is redundant (the convention gives ${override}); remove it.`);
    }
    return override;
  }
  if (conventional !== undefined && definitions.has(conventional)) return conventional;
  throw new Error(
    `codegen: no response type for ${direction} "${method}" (params: ${paramsTypeName ?? 'none'}` +
      `${conventional !== undefined ? `; ${conventional} is not in schema/` : ''}). ` +
      'Find its `response:` in codex-rs/app-server-protocol/src/protocol/common.rs and add it to ' +
      'RESPONSE_TYPE_OVERRIDES in codegen/response-types.ts.',
  );
}

/** Fails when an override names a method the schema no longer has, so the table cannot rot. */
export function assertNoStaleOverrides(knownMethods: ReadonlySet<string>): void {
  const stale = Object.keys(RESPONSE_TYPE_OVERRIDES).filter((method) => !knownMethods.has(method));
  if (stale.length > 0) {
    throw new Error(`codegen: RESPONSE_TYPE_OVERRIDES names methods not in schema/: ${stale.join(', ')}. Remove them.`);
  }
}
