import { HttpClient } from '../../http/client.js';
import type { ProviderModule } from '../module.js';
import { ZelloProvider } from './adapter.js';
import { describeZelloError } from './api.js';

export const zelloModule: ProviderModule = {
  kind: 'zello',
  label: 'Zello',
  envPrefix: 'ZELLO',
  settings: [
    { key: 'baseUrl', env: 'ZELLO_BASE_URL', description: 'your Zello API server (self-hosted), e.g. https://zello.example.com', required: true },
    { key: 'username', env: 'ZELLO_USERNAME', description: 'login name of a system Admin who is Owner of the workspaces to manage', required: true },
    { key: 'password', env: 'ZELLO_PASSWORD', description: 'its password', required: true, secret: true },
  ],
  // The application has no rate limiter (docs/providers/zello.md, "Limits"); only a proxy in front could answer 429.
  defaultLimits: { maxInFlight: 8 },
  create(config, { logger, redactor }) {
    redactor.add(config.values.password);
    const http = new HttpClient({
      label: 'Zello',
      baseUrl: config.values.baseUrl!,
      redactor,
      logger,
      ...config.http, // timeouts, retry budget and limits
      describeError: describeZelloError,
    });
    return new ZelloProvider(http, { username: config.values.username!, password: config.values.password!, concurrency: config.http.limits.maxInFlight }, redactor);
  },
};
