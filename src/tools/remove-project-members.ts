import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput } from './output.js';
import { dryRunField, mutationResultSchema, projectField, providerField, usersField, workspaceField } from './schemas.js';

export const removeProjectMembers = defineTool({
  name: 'remove_project_members',
  title: 'Remove project members',
  description:
    'Revoke users\' access to a project (never their workspace membership). Idempotent: non-members are not_member. Preview with dryRun first.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  needs: 'remove',
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    project: projectField,
    users: usersField,
    dryRun: dryRunField,
  }),
  outputSchema: mutationResultSchema,
  async handler(input, { connection, operation }) {
    return mutationOutput(connection, input.dryRun, await connection.provider.removeMembers(input, operation), operation);
  },
});
