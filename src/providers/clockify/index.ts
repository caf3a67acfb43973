import type { ProviderModule } from '../module.js';
import { ClockifyProvider } from './adapter.js';
import { CLOCKIFY_ID, ClockifyApi, describeClockifyError } from './api.js';
import { checkClockify } from './doctor.js';

export const clockifyModule: ProviderModule = {
  kind: 'clockify',
  label: 'Clockify',
  envPrefix: 'CLOCKIFY',
  settings: [
    { key: 'apiKey', env: 'CLOCKIFY_API_KEY', description: 'personal API key (Profile settings → API)', required: true, secret: true },
    { key: 'workspaceId', env: 'CLOCKIFY_WORKSPACE_ID', description: 'default workspace id (optional when the key has one workspace)' },
    {
      key: 'baseUrl',
      env: 'CLOCKIFY_BASE_URL',
      description: 'API base; regional workspaces use e.g. https://euc1.clockify.me/api',
      default: 'https://api.clockify.me/api',
    },
  ],
  // Paid workspaces: 50 requests per second (docs/providers/clockify.md, "Limits"). Free ones: set CLOCKIFY_RATE_LIMIT=30/h.
  defaultLimits: { maxInFlight: 8, rateLimit: { requests: 50, intervalMs: 1000 } },
  validate(values) {
    const problems: string[] = [];
    if (values.workspaceId !== undefined && !CLOCKIFY_ID.test(values.workspaceId)) {
      problems.push('CLOCKIFY_WORKSPACE_ID must be a workspace id (24 hexadecimal characters)');
    }
    return problems;
  },
  http: {
    baseUrl: (values) => values.baseUrl!,
    headers: (values) => ({ 'x-api-key': values.apiKey! }),
    describeError: describeClockifyError,
  },
  create: ({ http, values, concurrency, cache }) => new ClockifyProvider(new ClockifyApi(http), { workspaceId: values.workspaceId, concurrency, cache }),
  check: checkClockify,
};
