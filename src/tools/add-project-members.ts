import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput } from './output.js';
import { dryRunField, groupsField, mutationResultSchema, projectField, providerField, roleField, usersField, workspaceField } from './schemas.js';

export const addProjectMembers = defineTool({
  name: 'add_project_members',
  title: 'Add project members',
  description:
    'Grant users access to a project. Idempotent: existing members are already_member, or updated if the role differs. dryRun previews.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    project: projectField,
    users: usersField,
    role: roleField,
    groups: groupsField,
    dryRun: dryRunField,
  }),
  outputSchema: mutationResultSchema,
  async handler(input, { connection, operation }) {
    return mutationOutput(connection, input.dryRun, await connection.provider.addMembers(input, operation), operation);
  },
});
