/**
 * `codex-app-server-sdk/protocol`: the app-server protocol's generated types (every request,
 * response, notification and item shape, camelCase as on the wire) and the method-name lists,
 * without the client. `Thread` here is the server's thread RECORD (what `thread.info` holds),
 * not the SDK's `Thread` class from `codex-app-server-sdk`.
 */
export type * from './generated/protocol.js';
export type * from './generated/methods.js';
export { CLIENT_NOTIFICATION_METHODS, CLIENT_REQUEST_METHODS, SERVER_NOTIFICATION_METHODS, SERVER_REQUEST_METHODS } from './generated/methods.js';
