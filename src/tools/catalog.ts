import { addProjectMembers } from './add-project-members.js';
import { addTeamToProject } from './add-team-to-project.js';
import type { ToolDefinition } from './define.js';
import { listProjectMembers } from './list-project-members.js';
import { listUserMemberships } from './list-user-memberships.js';
import { removeProjectMembers } from './remove-project-members.js';
import { searchDirectory } from './search-directory.js';

/** Every tool the server offers, in the order tools/list shows them. */
export const TOOLS: readonly ToolDefinition[] = [
  addProjectMembers,
  removeProjectMembers,
  addTeamToProject,
  listProjectMembers,
  listUserMemberships,
  searchDirectory,
];
