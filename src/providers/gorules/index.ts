import { HttpClient } from '../../http/client.js';
import type { ProviderModule } from '../module.js';
import { GoRulesProvider } from './adapter.js';
import { describeGoRulesError } from './api.js';

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
  create(config, { logger, redactor }) {
    redactor.add(config.values.token);
    const http = new HttpClient({
      label: 'GoRules',
      baseUrl: normaliseGoRulesUrl(config.values.baseUrl!),
      headers: { authorization: `Bearer ${config.values.token!}` },
      redactor,
      logger,
      ...config.http, // timeouts, retry budget and limits
      describeError: describeGoRulesError,
    });
    return new GoRulesProvider(http, { concurrency: config.http.limits.maxInFlight });
  },
};
