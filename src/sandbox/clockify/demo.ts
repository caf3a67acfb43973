import type { DemoScript } from '../types.js';

const provider = 'clockify';
const project = 'Website Redesign';

export const clockifyDemo: DemoScript = {
  provider,
  title: 'Clockify: members by email, an idempotent repeat, a dry run, and a user group added natively',
  project,
  steps: [
    { say: 'Find a colleague\'s exact identity first.', tool: 'search_directory', args: { provider, kind: 'user', query: 'chloe' } },
    {
      say: 'Add two people by email. The server reads the members first, then sends one request for both.',
      tool: 'add_project_members',
      args: { provider, project, users: ['chloe.park@acme.example', 'diego.rivera@acme.example'] },
    },
    { say: 'Ask again: nothing changes, and the result says so.', tool: 'add_project_members', args: { provider, project, users: ['chloe.park@acme.example'] } },
    {
      say: 'Preview a removal. Emma is not a member, so she would be left alone.',
      tool: 'remove_project_members',
      args: { provider, project, users: ['chloe.park@acme.example', 'diego.rivera@acme.example', 'emma.brooks@acme.example'], dryRun: true },
    },
    { say: 'Now remove the two for real.', tool: 'remove_project_members', args: { provider, project, users: ['chloe.park@acme.example', 'diego.rivera@acme.example'] } },
    {
      say: 'An access review: every project Diego can still use, and how (his own membership, a user group, a public project).',
      tool: 'list_user_memberships',
      args: { provider, users: ['diego.rivera@acme.example'] },
    },
    {
      say: 'Add a whole team to another project: Clockify grants the user group natively; one result per member (inactive people are skipped).',
      tool: 'add_team_to_project',
      args: { provider, project: 'Data Platform', team: 'Engineering' },
    },
  ],
};
