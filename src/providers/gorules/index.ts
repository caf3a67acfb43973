import type { ProviderModule } from '../module.js';
import { GoRulesProvider } from './adapter.js';
import { describeGoRulesError, GoRulesApi } from './api.js';
import { checkGoRules } from './doctor.js';

/** The BRMS address without trailing slashes or `/api` (given either way, like the official CLI); paths add `/api`. */
export function normaliseGoRulesUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/api$/i, '').replace(/\/+$/, '');
}

export const goRulesModule: ProviderModule = {
  kind: 'gorules',
  label: 'GoRules BRMS',
  envPrefix: 'GORULES',
  settings: [
    { key: 'baseUrl', env: 'GORULES_BASE_URL', description: 'your BRMS address (self-hosted or https://<org>.<region>.gorules.io), with or without /api', required: true },
    { key: 'token', env: 'GORULES_TOKEN', description: 'personal access token with Project Manage', required: true, secret: true },
  ],
  // No limits are documented (docs/providers/gorules.md, "Limits"); keep a small concurrency.
  defaultLimits: { maxInFlight: 4 },
  http: {
    baseUrl: (values) => normaliseGoRulesUrl(values.baseUrl!),
    headers: (values) => ({ authorization: `Bearer ${values.token!}` }),
    describeError: describeGoRulesError,
  },
  create: ({ http, concurrency, cache }) => new GoRulesProvider(new GoRulesApi(http), { concurrency, cache }),
  check: checkGoRules,
};
