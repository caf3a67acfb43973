import type { DemoScript } from '../types.js';

const provider = 'projectmanager';
const project = 'Website Launch';

export const projectManagerDemo: DemoScript = {
  provider,
  title: 'ProjectManager.com: a team added natively, a role change, and the project restored',
  project,
  steps: [
    { say: 'Find the team.', tool: 'search_directory', args: { provider, kind: 'team', query: 'design' } },
    {
      say: 'Preview adding it: Noah is inactive and the plotter is a resource without a login, so both are skipped.',
      tool: 'add_team_to_project',
      args: { provider, project, team: 'Design', dryRun: true },
    },
    {
      say: 'Add it. ProjectManager.com grants the team natively; the member list before and after tells who was added.',
      tool: 'add_team_to_project',
      args: { provider, project, team: 'Design' },
    },
    {
      say: 'Make Marcus an editor: an existing member with another role is updated.',
      tool: 'add_project_members',
      args: { provider, project, users: ['marcus.reed@northwind.example.org'], role: 'editor' },
    },
    {
      say: 'Undo: Marcus back to collaborator, and the team\'s new members removed.',
      tool: 'add_project_members',
      args: { provider, project, users: ['marcus.reed@northwind.example.org'], role: 'member' },
    },
    {
      say: 'The removal (Yuki was never a member: not_member).',
      tool: 'remove_project_members',
      args: { provider, project, users: ['Priya Nair', 'Lena Fischer', 'kwame.asante@northwind.example.org', 'Yuki Mori'] },
    },
  ],
};
