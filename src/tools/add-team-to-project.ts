import * as z from 'zod';
import { defineTool } from './define.js';
import { mutationOutput } from './output.js';
import { dryRunField, groupsField, projectField, providerField, roleField, teamField, teamResultSchema, workspaceField } from './schemas.js';

export const addTeamToProject = defineTool({
  name: 'add_team_to_project',
  title: 'Add a team to a project',
  description:
    'Grant a team\'s active members access to a project, by the provider\'s team grant where it has one. One result per member; idempotent; dryRun previews.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  needs: 'teams',
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
  async handler(input, { connection, operation }) {
    return mutationOutput(connection, input.dryRun, await connection.provider.addTeam(input, operation), operation);
  },
});
