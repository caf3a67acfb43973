import type { DemoScript } from '../types.js';

const provider = 'zello';
const project = 'Roadmap Board';

export const zelloDemo: DemoScript = {
  provider,
  title: 'Zello: what the API can do (add, within the workspace) and what it cannot (remove, teams, level changes)',
  project,
  steps: [
    { say: 'Preview adding Karl as a viewer (Zello\'s Guest level).', tool: 'add_project_members', args: { provider, project, users: ['karl.ek@zello.example.net'], role: 'viewer', dryRun: true } },
    {
      say: 'Maja is already a member: asking for owner changes nothing, because Zello cannot change a level once granted.',
      tool: 'add_project_members',
      args: { provider, project, users: ['Maja Holm'], role: 'owner' },
    },
    { say: 'Lea belongs to another workspace, and the tool never adds people to workspaces.', tool: 'add_project_members', args: { provider, project, users: ['lea.moreau@zello.example.net'] } },
    { say: 'Removal does not exist on this API: the server says so before sending anything.', tool: 'remove_project_members', args: { provider, project, users: ['Maja Holm'] } },
  ],
};
