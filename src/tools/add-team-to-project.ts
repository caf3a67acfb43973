import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput, operationContext, requireCapabilities } from './mutation.js';
import { dryRunField, groupsField, projectField, providerField, roleField, teamField, teamResultSchema, workspaceField } from './schemas.js';

export const addTeamToProject = defineTool({
  name: 'add_team_to_project',
  title: 'Add a team to a project',
  description:
    'Grant a team\'s active members access to a project, by the provider\'s team grant where it has one. One result per member; idempotent; dryRun previews.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  writes: true,
  inputSchema: z.strictObject({
    provider: providerField,
    workspaceId: workspaceField,
    project: projectField,
    team: teamField,
    role: roleField,
    groups: groupsField,
    dryRun: dryRunField,
  }),
  outputSchema: teamResultSchema,
  async handler(input, context) {
    const connection = context.connections.resolve(input.provider);
    requireCapabilities(connection, { workspaceId: input.workspaceId, role: input.role, groups: input.groups, team: true });
    const operation = operationContext(connection, context);
    const change = await connection.provider.addTeam(
      { workspaceId: input.workspaceId, project: input.project, team: input.team, role: input.role, groups: input.groups, dryRun: input.dryRun },
      operation,
    );
    return mutationOutput(connection, input.dryRun, change, operation);
  },
});
