import { MembersError, toMembersError } from '../../core/errors.js';
import type { ErrorDescription, ErrorReply, HttpClient, HttpMethod } from '../../http/client.js';
import { UUID } from '../../http/path.js';
import type { Redactor } from '../../core/redact.js';
import { asRecord, asRecords, requiredStr, str, type Json } from '../shared/json.js';

/** Zello ids are GUIDs. */
export const ZELLO_ID = UUID;

/** What a data endpoint answers (400, plain text) when it ran without a user: no 401 on this API (docs/providers/zello.md, "Facts"). */
const MISSING_USER_TEXTS = ['User ID cannot be null.', 'User ID is missing or invalid', 'User ID missing'];

/** Log in again this long before the token's own expiry. */
const RENEW_BEFORE_MS = 60_000;

export interface ZelloUser {
  id: string;
  name: string;
  email: string | undefined;
  username: string | undefined;
}

export interface ZelloWorkspaceMember {
  /** The workspace membership id: what a project membership refers to. */
  id: string;
  userId: string;
  accessLevel: string | undefined;
}

export interface ZelloProjectMember {
  id: string;
  workspaceMemberId: string;
  accessLevel: string | undefined;
}

export interface ZelloProject {
  id: string;
  name: string;
  workspaceId: string;
  members: ZelloProjectMember[];
}

export interface ZelloWorkspace {
  id: string;
  name: string;
  members: ZelloWorkspaceMember[];
  projects: ZelloProject[];
}

export function isMissingUserText(message: string): boolean {
  return MISSING_USER_TEXTS.some((text) => message.includes(text));
}

/** Zello's bodies are text, a JSON string, or problem details; providerMessage reads all three. */
export function describeZelloError(reply: ErrorReply): ErrorDescription | undefined {
  if (reply.status >= 300 && reply.status < 400) {
    // Upstream redirects plain HTTP to HTTPS (307); redirects are never followed, so say where to point.
    const location = Array.isArray(reply.headers.location) ? reply.headers.location[0] : reply.headers.location;
    const https = location?.startsWith('https://') ? new URL(location).origin : undefined;
    return {
      code: 'PROVIDER_ERROR',
      message: https
        ? `a redirect to ${https}: this Zello server only answers on https; use the https address`
        : `a redirect${location ? ` to ${location}` : ''}, which is not followed so that the password and token never go to another address`,
      hint: https ? `Set ZELLO_BASE_URL to ${https}.` : 'Set ZELLO_BASE_URL to the address the API is served at.',
    };
  }
  if (reply.status === 400 && isMissingUserText(reply.text)) {
    return { code: 'AUTH_FAILED', hint: 'Zello did not accept the session token; check ZELLO_USERNAME and ZELLO_PASSWORD.' };
  }
  if (reply.status === 500 && reply.method !== 'GET') {
    return {
      code: 'PROVIDER_ERROR',
      message: `${reply.text.trim() || 'an internal error'}. Zello answers its permission refusals with a 500 (docs/providers/zello.md, "Errors"): the connection's account must be a member of the project's workspace at or above the level it grants, and nobody is granted more than their own workspace level`,
      hint: 'Use an account that is a system Admin and Owner of the project\'s workspace.',
    };
  }
  if (reply.status === 403 || reply.status === 500) {
    return { code: 'PERMISSION_DENIED', hint: 'The connection\'s account needs to be a system Admin (to read users) and a member, at Owner level, of the project\'s workspace.' };
  }
  return undefined;
}

/**
 * Typed calls to Zello's /api/v1 with snake_case on the wire. Logs in lazily with the connection's
 * username and password, keeps the bearer token until shortly before it expires, and logs in once
 * more when a data call says it ran without a user.
 */
export class ZelloApi {
  private session: { token: string; expires: number } | undefined;
  /** The token registered with the redactor: the live one, replaced (and forgotten) at each login. */
  private registeredToken: string | undefined;
  private login: Promise<void> | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly credentials: { username: string; password: string },
    private readonly redactor: Redactor,
  ) {}

  /** Every workspace the account sees (all for a system Admin), with projects, their members, and workspace members. */
  async workspaces(signal: AbortSignal): Promise<ZelloWorkspace[]> {
    return asRecords(await this.call('GET', '/api/v1/Workspaces', undefined, signal), 'workspaces').map(parseWorkspace);
  }

  /** Every user: system Admins only (others get a permission failure). */
  async users(signal: AbortSignal): Promise<ZelloUser[]> {
    return asRecords(await this.call('GET', '/api/v1/User', undefined, signal), 'users').map((user) => ({
      id: requiredStr(user, 'id', 'user').toLowerCase(),
      name: str(user, 'name') || str(user, 'username') || '',
      email: str(user, 'email') || undefined,
      username: str(user, 'username'),
    }));
  }

  /** The connection's own account (GET /User/me, any account): its id and its system access level. */
  async me(signal: AbortSignal): Promise<ZelloUser & { accessLevel: string | undefined }> {
    const user = asRecord(await this.call('GET', '/api/v1/User/me', undefined, signal), 'user');
    return {
      id: requiredStr(user, 'id', 'user').toLowerCase(),
      name: str(user, 'name') || str(user, 'username') || '',
      email: str(user, 'email') || undefined,
      username: str(user, 'username'),
      accessLevel: str(user, 'access_level'),
    };
  }

  /** POST /Project/members: snake_case fields, the access level by name (never a number). */
  async addProjectMember(projectId: string, workspaceMemberId: string, accessLevel: string, signal: AbortSignal): Promise<ZelloProjectMember> {
    const body = { project_id: projectId, workspace_member_id: workspaceMemberId, access_level: accessLevel };
    return parseProjectMember(asRecord(await this.call('POST', '/api/v1/Project/members', body, signal), 'project member'));
  }

  private async call(method: HttpMethod, path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    await this.ensureSession(signal);
    try {
      return (await this.http.request({ method, path, body, signal })).json;
    } catch (error) {
      const failure = toMembersError(error);
      if (failure.code !== 'AUTH_FAILED' || failure.status !== 400) throw error;
      // The token was refused (expired early, server restarted): one fresh login, then once more.
      await this.ensureSession(signal, true);
      try {
        return (await this.http.request({ method, path, body, signal })).json;
      } catch (retry) {
        const again = toMembersError(retry);
        if (again.code !== 'AUTH_FAILED') throw retry;
        throw new MembersError('AUTH_FAILED', `Zello does not accept this account's session even right after logging in (${again.message}).`, {
          hint: 'Check ZELLO_USERNAME and ZELLO_PASSWORD, and that the server\'s clock and token settings are sane.',
        });
      }
    }
  }

  /** One login at a time, shared by concurrent calls; a new one shortly before the token expires. */
  private async ensureSession(signal: AbortSignal, force = false): Promise<void> {
    if (!force && this.session && this.session.expires - RENEW_BEFORE_MS > Date.now()) return;
    if (force) this.session = undefined;
    this.login ??= this.logIn(signal).finally(() => {
      this.login = undefined;
    });
    await this.login;
  }

  private async logIn(signal: AbortSignal): Promise<void> {
    this.http.setHeader('authorization', undefined);
    let reply: unknown;
    try {
      // Logging in changes nothing: safe to repeat after a dropped connection or a timeout.
      reply = (await this.http.request({ method: 'POST', path: '/api/v1/User/login', body: this.credentials, signal, idempotent: true })).json;
    } catch (error) {
      const failure = toMembersError(error);
      if (failure.status === 401) {
        throw new MembersError('AUTH_FAILED', `Zello rejected the login of "${this.credentials.username}": invalid credentials.`, {
          hint: 'Check ZELLO_USERNAME (the login name, not the email) and ZELLO_PASSWORD.',
        });
      }
      throw error;
    }
    const body = asRecord(reply, 'login reply');
    const token = requiredStr(body, 'token', 'login reply');
    const expires = Date.parse(str(body, 'expires') ?? '');
    this.redactor.add(token);
    if (this.registeredToken !== token) this.redactor.remove(this.registeredToken);
    this.registeredToken = token;
    this.session = { token, expires: Number.isNaN(expires) ? Date.now() + 30 * 60_000 : expires };
    this.http.setHeader('authorization', `Bearer ${token}`);
  }
}

function parseWorkspace(record: Json): ZelloWorkspace {
  const id = requiredStr(record, 'id', 'workspace').toLowerCase();
  return {
    id,
    name: str(record, 'name') ?? '',
    members: asRecords(record.members ?? [], 'workspace members').map((member) => ({
      id: requiredStr(member, 'id', 'workspace member').toLowerCase(),
      userId: requiredStr(member, 'user_id', 'workspace member').toLowerCase(),
      accessLevel: str(member, 'access_level'),
    })),
    projects: asRecords(record.projects ?? [], 'projects').map((project) => ({
      id: requiredStr(project, 'id', 'project').toLowerCase(),
      name: str(project, 'name') ?? '',
      workspaceId: (str(project, 'workspace_id') ?? id).toLowerCase(),
      members: asRecords(project.members ?? [], 'project members').map(parseProjectMember),
    })),
  };
}

function parseProjectMember(record: Json): ZelloProjectMember {
  return {
    id: requiredStr(record, 'id', 'project member').toLowerCase(),
    workspaceMemberId: requiredStr(record, 'workspace_member_id', 'project member').toLowerCase(),
    accessLevel: str(record, 'access_level'),
  };
}
