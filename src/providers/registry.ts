import type { ProviderKind } from '../core/types.js';
import { clockifyModule } from './clockify/index.js';
import { goRulesModule } from './gorules/index.js';
import type { ProviderModule } from './module.js';
import { projectManagerModule } from './projectmanager/index.js';
import { zelloModule } from './zello/index.js';

/** Every provider this server supports; adding one is a folder plus a line here. */
export const PROVIDER_MODULES: readonly ProviderModule[] = [clockifyModule, goRulesModule, projectManagerModule, zelloModule];

export function providerModule(kind: ProviderKind): ProviderModule | undefined {
  return PROVIDER_MODULES.find((module) => module.kind === kind);
}

/** "CLOCKIFY_API_KEY; GORULES_BASE_URL + GORULES_TOKEN; …": what to set to configure each provider. */
export function requiredEnvSummary(): string {
  return PROVIDER_MODULES.map((module) =>
    module.settings
      .filter((setting) => setting.required)
      .map((setting) => setting.env)
      .join(' + '),
  ).join('; ');
}
