import type { Connection } from '../connections.js';
import { MembersError } from '../core/errors.js';
import type { Role } from '../core/types.js';

/** A capability a tool cannot work without: removing members, or teams. */
export type ToolNeed = 'remove' | 'teams';

/** Refuses, before any request, what the connection's provider cannot do. */
export function requireCapabilities(
  connection: Connection,
  need: { workspaceId?: string | undefined; role?: Role | undefined; groups?: string[] | undefined; needs?: ToolNeed | undefined },
): void {
  const { capabilities } = connection.provider;
  const label = connection.label;
  const team = need.needs === 'teams';
  if (need.workspaceId !== undefined && !capabilities.workspaces) {
    throw new MembersError('INVALID_ARGUMENT', `Invalid argument "workspaceId": ${label} has no workspaces; leave it out.`);
  }
  if (need.needs === 'remove' && !capabilities.remove) {
    throw new MembersError('UNSUPPORTED', `${label}'s API has no operation to remove a project member, so remove_project_members cannot work on connection "${connection.name}".`, {
      hint: `Remove the member in ${label}'s own interface.`,
    });
  }
  if (team && capabilities.teams.mode === 'none') {
    throw new MembersError('UNSUPPORTED', `${label} has no teams, so add_team_to_project cannot work on connection "${connection.name}".`, {
      hint: 'Use add_project_members with the people you want to add.',
    });
  }
  if (need.role !== undefined) {
    const allowed = team ? capabilities.teams.roles : (Object.keys(capabilities.roles) as Role[]);
    if (!allowed.includes(need.role)) {
      throw new MembersError('UNSUPPORTED', `${label} cannot grant role "${need.role}"${team ? ' to a team' : ''}: supported roles are ${describeRoles(connection, allowed)}.`, {
        hint: capabilities.groups
          ? `${label} expresses finer access through project groups: pass groups instead.`
          : team
            ? 'Add the team with a supported role, then use add_project_members for individual roles.'
            : 'Call again with a supported role, or without role for the provider\'s default.',
      });
    }
  }
  if (need.groups !== undefined && !capabilities.groups) {
    throw new MembersError('UNSUPPORTED', `${label} has no project groups; leave "groups" out.`);
  }
}

function describeRoles(connection: Connection, roles: Role[]): string {
  if (roles.length === 0) return 'none';
  return roles.map((role) => `${role} (${connection.provider.capabilities.roles[role] ?? role})`).join(', ');
}
