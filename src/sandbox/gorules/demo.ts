import type { DemoScript } from '../types.js';

const provider = 'gorules';
const project = 'Pricing Engine';

export const goRulesDemo: DemoScript = {
  provider,
  title: 'GoRules BRMS: project groups by name, an owner flag, and an organisation role expanded into members',
  project,
  steps: [
    {
      say: 'Add someone with a project group given by name (GoRules expresses access through groups).',
      tool: 'add_project_members',
      args: { provider, project, users: ['nils.lund@acme-insurance.example.com'], groups: ['Editors'] },
    },
    { say: 'Make them an owner: the PUT carries both the groups and the owner flag.', tool: 'add_project_members', args: { provider, project, users: ['Nils Lund'], role: 'owner' } },
    {
      say: 'Add an organisation role: its users are invited with the project groups linked to the role.',
      tool: 'add_team_to_project',
      args: { provider, project, team: 'Pricing Analysts' },
    },
    {
      say: 'Undo: remove the people added (Dev was already a member before, so he stays).',
      tool: 'remove_project_members',
      args: { provider, project, users: ['Nils Lund', 'Elif Demir', 'Femi Adeyemi'] },
    },
  ],
};
