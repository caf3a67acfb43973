import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput, operationContext, requireCapabilities } from './mutation.js';
import { dryRunField, groupsField, mutationResultSchema, projectField, providerField, roleField, usersField, workspaceField } from './schemas.js';

export const addProjectMembers = defineTool({
  name: 'add_project_members',
  title: 'Add project members',
  description:
    'Grant users access to a project. Idempotent: existing members are already_member, or updated if the role differs. dryRun previews.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  writes: true,
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
  async handler(input, context) {
    const connection = context.connections.resolve(input.provider);
    requireCapabilities(connection, { workspaceId: input.workspaceId, role: input.role, groups: input.groups });
    const operation = operationContext(connection, context);
    const change = await connection.provider.addMembers(
      {
        workspaceId: input.workspaceId,
        project: input.project,
        users: input.users,
        role: input.role,
        groups: input.groups,
        dryRun: input.dryRun,
      },
      operation,
    );
    return mutationOutput(connection, input.dryRun, change, operation);
  },
});
