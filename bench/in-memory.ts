import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Connections } from '../src/connections.js';
import { silentLogger } from '../src/core/log.js';
import { createServer } from '../src/mcp/server.js';
import type { ConnectionConfig } from '../src/providers/module.js';

/** An MCP client on our server in this process, through the SDK's in-memory transport, with these connections. */
export async function connectServer(configs: ConnectionConfig[]): Promise<{ client: Client; stop(): Promise<void> }> {
  const logger = silentLogger();
  const connections = Connections.create(configs, [], { logger, redactor: logger.redactor });
  const server = createServer({ connections, logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    async stop() {
      await client.close();
      await connections.close();
    },
  };
}
