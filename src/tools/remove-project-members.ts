import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput, operationContext, requireCapabilities } from './mutation.js';
import { dryRunField, mutationResultSchema, projectField, providerField, usersField, workspaceField } from './schemas.js';

export const removeProjectMembers = defineTool({
  name: 'remove_project_members',
  title: 'Remove project members',
  description:
    'Revoke users\' access to a project (never their workspace membership). Idempotent: non-members are not_member. Preview with dryRun first.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  writes: true,
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    project: projectField,
    users: usersField,
    dryRun: dryRunField,
  }),
  outputSchema: mutationResultSchema,
  async handler(input, context) {
    const connection = context.connections.resolve(input.provider);
    requireCapabilities(connection, { workspaceId: input.workspaceId, remove: true });
    const operation = operationContext(connection, context);
    const change = await connection.provider.removeMembers(
      { workspaceId: input.workspaceId, project: input.project, users: input.users, dryRun: input.dryRun },
      operation,
    );
    return mutationOutput(connection, input.dryRun, change, operation);
  },
});
