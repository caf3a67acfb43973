import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { McpHttpServer } from '../../src/mcp/http.js';
import { createServer } from '../../src/mcp/server.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { removalResultSchema } from '../../src/tools/schemas.js';
import { expectToolError, startTestSandbox, type TestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

/**
 * Over the stateless HTTP transport every request gets a fresh server, which never saw the
 * client's capabilities: no question can be asked there, even of a client that could answer one.
 * The confirmation value of a dry run is then the way, and it works whichever replica checks it.
 */

let box: TestSandbox | undefined;
const servers: McpHttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.shutdown();
  await box?.stop();
  box = undefined;
});

async function replica(): Promise<URL> {
  const http = new McpHttpServer({
    createServer: () => createServer({ connections: box!.connections, logger: silentLogger() }),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    allowedHosts: ['127.0.0.1'],
    allowedOrigins: [],
    maxBodyBytes: 1024 * 1024,
    shutdownMs: 1000,
    version: 'test',
  });
  servers.push(http);
  return http.listen();
}

describe('confirmation over stateless HTTP', () => {
  it('refuses without the value even from a client that can be asked, and takes a value previewed on another replica', async () => {
    box = await startTestSandbox({ only: ['projectmanager'] });
    const marcus = pmId('person', 2);
    const warehouse = box.sandbox.simulators.projectmanager.state.projects.find((p) => p.name === 'Warehouse Rollout')!;
    warehouse.members.set(marcus, 'Editor');
    const [first, second] = [await replica(), await replica()];

    const asked: string[] = [];
    const connect = async (url: URL) => {
      const client = new Client({ name: 'http-elicitation', version: '0.0.0' }, { capabilities: { elicitation: { form: {} } } });
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { confirm: true } };
      });
      await client.connect(new StreamableHTTPClientTransport(url));
      await client.listTools();
      return client;
    };
    const args = { users: ['Marcus Reed'], projects: 'all' };
    const onFirst = await connect(first);
    const onSecond = await connect(second);
    try {
      const refused = expectToolError((await onFirst.callTool({ name: 'remove_project_members', arguments: args })) as ToolCallResult, 'CONFIRMATION_REQUIRED');
      expect(refused.message).toContain('The client cannot be asked');
      expect(asked).toEqual([]);

      const preview = removalResultSchema.parse(((await onFirst.callTool({ name: 'remove_project_members', arguments: { ...args, dryRun: true } })) as ToolCallResult).structuredContent);
      expect(preview.projects).toHaveLength(2);
      const done = removalResultSchema.parse(((await onSecond.callTool({ name: 'remove_project_members', arguments: { ...args, confirmation: preview.confirmation } })) as ToolCallResult).structuredContent);
      expect(done.summary).toEqual({ requested: 2, changed: 2, unchanged: 0, failed: 0 });
      expect(warehouse.members.has(marcus)).toBe(false);
      expect(asked).toEqual([]);
    } finally {
      await onFirst.close();
      await onSecond.close();
    }
  });
});
