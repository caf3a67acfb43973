/**
 * The only module that imports the server side of @modelcontextprotocol/sdk (1.x, in maintenance;
 * its successor is the v2 line). Moving to v2 means changing these imports, not the server.
 */
export { Server } from '@modelcontextprotocol/sdk/server/index.js';
export type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
export { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
export type { jsonSchemaValidator as JsonSchemaValidatorProvider } from '@modelcontextprotocol/sdk/validation';
export type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
export {
  CallToolRequestSchema,
  ErrorCode,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  McpError,
  SetLevelRequestSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type LoggingLevel,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * The Streamable HTTP transport, loaded on first use: a server on stdio never needs it, and
 * loading it would add about a tenth to its start-up.
 */
export async function streamableHttpTransport() {
  return (await import('@modelcontextprotocol/sdk/server/streamableHttp.js')).StreamableHTTPServerTransport;
}
