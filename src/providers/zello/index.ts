import type { ProviderModule } from '../module.js';
import { ZelloProvider } from './adapter.js';
import { describeZelloError, ZelloApi } from './api.js';
import { checkZello } from './doctor.js';

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
  http: {
    baseUrl: (values) => values.baseUrl!,
    describeError: describeZelloError,
  },
  create: ({ http, values, concurrency, redactor, cache }) =>
    new ZelloProvider(new ZelloApi(http, { username: values.username!, password: values.password! }, redactor), { username: values.username!, concurrency, cache }),
  check: checkZello,
};
