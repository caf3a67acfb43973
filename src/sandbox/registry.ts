import type { ProviderKind } from '../core/types.js';
import { clockifySandbox } from './clockify/index.js';
import { goRulesSandbox } from './gorules/index.js';
import { projectManagerSandbox } from './projectmanager/index.js';
import type { SandboxProvider } from './types.js';
import { zelloSandbox } from './zello/index.js';

/** Every provider's sandbox, by kind; adding a provider is a folder plus a line here. */
export const SANDBOX_PROVIDERS = {
  clockify: clockifySandbox,
  gorules: goRulesSandbox,
  projectmanager: projectManagerSandbox,
  zello: zelloSandbox,
} satisfies Record<ProviderKind, SandboxProvider>;
