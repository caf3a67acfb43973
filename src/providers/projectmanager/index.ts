import type { ProviderModule } from '../module.js';
import { ProjectManagerProvider } from './adapter.js';
import { describeProjectManagerError, ProjectManagerApi } from './api.js';
import { checkProjectManager } from './doctor.js';

export const projectManagerModule: ProviderModule = {
  kind: 'projectmanager',
  label: 'ProjectManager.com',
  envPrefix: 'PROJECTMANAGER',
  settings: [
    { key: 'apiKey', env: 'PROJECTMANAGER_API_KEY', description: 'API key (Integrations → API Keys, one workspace)', required: true, secret: true },
    { key: 'baseUrl', env: 'PROJECTMANAGER_BASE_URL', description: 'API host', default: 'https://api.projectmanager.com' },
  ],
  // No request rate is published, so none is imposed; a 429 gets the documented back-off
  // (docs/providers/projectmanager.md, "Limits"): wait 1 s, retry, wait 5 s, retry, then report.
  defaultLimits: { maxInFlight: 8 },
  retry: { rateLimitBackoffMs: [1000, 5000] },
  http: {
    baseUrl: (values) => values.baseUrl!,
    headers: (values) => ({ authorization: `Bearer ${values.apiKey!}`, 'x-integration-name': 'project-members-mcp' }),
    describeError: describeProjectManagerError,
  },
  create: ({ http, concurrency, cache }) => new ProjectManagerProvider(new ProjectManagerApi(http), { concurrency, cache }),
  check: checkProjectManager,
};
