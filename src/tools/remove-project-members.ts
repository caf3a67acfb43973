import * as z from 'zod';
import { defineTool } from './define.js';
import { runRemoval } from './removals.js';
import {
  allowLastManagerField,
  confirmationField,
  dryRunField,
  projectField,
  projectsField,
  providerField,
  removalResultSchema,
  usersField,
  workspaceField,
} from './schemas.js';

export const removeProjectMembers = defineTool({
  name: 'remove_project_members',
  title: 'Remove project members',
  description:
    'Revoke users\' access to one project or several (never workspace membership). Idempotent. Preview with dryRun; large changes need confirmation.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  needs: 'remove',
  inputSchema: z
    .strictObject({
      provider: providerField,
      workspaceId: workspaceField,
      project: projectField.optional(),
      projects: projectsField,
      users: usersField,
      dryRun: dryRunField,
      confirmation: confirmationField,
      allowLastManager: allowLastManagerField,
    })
    // Exactly one of project and projects: one project keeps its result shape, several get theirs.
    .superRefine((input, context) => {
      if (input.project === undefined && input.projects === undefined) {
        context.addIssue({ code: 'custom', path: ['project'], message: 'is required (or "projects" for several projects)' });
      } else if (input.project !== undefined && input.projects !== undefined) {
        context.addIssue({ code: 'custom', path: ['projects'], message: 'cannot be given with "project": pass one of them' });
      }
    }),
  outputSchema: removalResultSchema,
  async handler(input, call) {
    return runRemoval(input, call);
  },
});
