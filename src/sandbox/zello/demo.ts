import type { DemoScript } from '../types.js';

const provider = 'zello';
const project = 'Roadmap Board';
/** The Product workspace: two workspaces have a project named "Design System". */
const PRODUCT = 'f2000000-0000-4000-a000-000000000001';

export const zelloDemo: DemoScript = {
  provider,
  title: 'Zello: what the API can do (add, within the workspace, up to the workspace level) and what it cannot (remove, teams, level changes)',
  project,
  steps: [
    { say: 'Preview adding Karl as a viewer (Zello\'s Guest level).', tool: 'add_project_members', args: { provider, project, users: ['karl.ek@zello.example.net'], role: 'viewer', dryRun: true } },
    {
      say: 'Add Rosa to a second board. She is a Guest of the workspace, so without a role she gets Guest, the most Zello allows her.',
      tool: 'add_project_members',
      args: { provider, project: 'Design System', workspaceId: PRODUCT, users: ['rosa.lind@zello.example.net'] },
    },
    {
      say: 'Maja is already a member: asking for owner changes nothing, because Zello cannot change a level once granted.',
      tool: 'add_project_members',
      args: { provider, project, users: ['Maja Holm'], role: 'owner' },
    },
    { say: 'Lea belongs to another workspace, and the tool never adds people to workspaces.', tool: 'add_project_members', args: { provider, project, users: ['lea.moreau@zello.example.net'] } },
    { say: 'Removal does not exist on this API: the server says so before sending anything.', tool: 'remove_project_members', args: { provider, project, users: ['Maja Holm'] } },
  ],
};
