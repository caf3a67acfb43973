/**
 * The start-up baseline: the smallest useful SDK server, one tool registered with McpServer, on
 * stdio. With BENCH_FETCH_URL (and BENCH_FETCH_HEADERS, JSON) its tool makes that one GET with
 * undici and answers with the reply, as the tool of a minimal provider server would: the baseline
 * of spawn → first tool result. Measured against our built server in the same run.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const url = process.env.BENCH_FETCH_URL;
// A server that calls a provider loads its HTTP client at start, as a minimal one would.
const { request } = url ? await import('undici') : { request: undefined };
const headers = JSON.parse(process.env.BENCH_FETCH_HEADERS ?? '{}') as Record<string, string>;
const server = new McpServer({ name: 'minimal', version: '0.0.0' });
server.registerTool('echo', { description: 'Echo the text, or fetch the configured URL', inputSchema: { text: z.string() } }, async ({ text }) => {
  if (!url) return { content: [{ type: 'text', text }] };
  const response = await request!(url, { headers });
  return { content: [{ type: 'text', text: await response.body.text() }] };
});
await server.connect(new StdioServerTransport());
