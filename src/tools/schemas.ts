import * as z from 'zod';
import { ERROR_CODES } from '../core/errors.js';
import { ACCESS_KINDS, DIRECTORY_KINDS, MEMBER_STATUSES, ROLES } from '../core/types.js';

// ---- input fields shared by the tools (docs/contract.md, "Inputs") ----

const noControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

/** A type error that says "is required" when the field is missing and what it must be otherwise. */
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

/** A reference (id, email, name) as agents type it: trimmed, non-empty, bounded, printable. */
const reference = (what: string, max: number) =>
  z
    .string({ error: expected(`a string (${what})`) })
    .trim()
    .min(1, `must not be empty (${what})`)
    .max(max, `must be at most ${max} characters`)
    .refine(noControlCharacters, 'must not contain control characters');

export const providerField = reference('a connection name', 64)
  .optional()
  .describe('Connection name');

export const workspaceField = reference('a workspace id', 64)
  .optional()
  .describe('Workspace id (providers with workspaces)');

export const projectField = reference('a project id or exact name', 200).describe('Project id or exact name');

export const usersField = z
  .array(reference('a user id, email or exact full name', 320), { error: expected('a list of strings') })
  .min(1, 'must list at least one user')
  .max(500, 'must list at most 500 users; split the batch')
  .describe('User ids, emails or exact full names');

/** The people of an access review: fewer than a write takes, since each is looked up everywhere. */
export const reviewUsersField = z
  .array(reference('a user id, email or exact full name', 320), { error: expected('a list of strings') })
  .min(1, 'must list at least one user')
  .max(50, 'must list at most 50 users; split the review')
  .describe('User ids, emails or exact full names');

/** A removal's projects: a list of references, or "all" for every project the users are in. */
export const projectsField = z
  .union([
    z
      .array(reference('a project id or exact name', 200), { error: expected('a list of strings, or "all"') })
      .min(1, 'must list at least one project (or be "all")')
      .max(50, 'must list at most 50 projects; split the call'),
    z.literal('all'),
  ], { error: expected('a list of project ids or exact names, or "all"') })
  .optional()
  .describe('Several project ids/names, or "all" the users are in');

export const confirmationField = reference('the confirmation value of a dry run', 100)
  .optional()
  .describe('From the dry run, when it asks for one');

export const allowLastManagerField = z
  .boolean({ error: expected('true or false') })
  .default(false)
  .describe('Allow removing a last owner/Manager');

export const roleField = z
  .enum(ROLES, { error: expected(`one of ${ROLES.join(', ')}`) })
  .optional()
  .describe('Omit: provider default; members keep theirs');

export const dryRunField = z
  .boolean({ error: expected('true or false') })
  .default(false)
  .describe('Preview only: would_* statuses');

export const groupsField = z
  .array(reference('a group id or name', 200), { error: expected('a list of strings') })
  .min(1, 'must list at least one group when given')
  .max(50, 'must list at most 50 groups')
  .optional()
  .describe('GoRules project groups (ids or names)');

export const teamField = reference('a team id or exact name', 200).describe('Team id or exact name');

export const cursorField = z
  .string({ error: expected('a string') })
  .min(1, 'must not be empty')
  .max(500, 'is not a cursor from this server')
  .optional()
  .describe('nextCursor of the previous page');

/** How many entries a page shows: a whole number from 1 to max. */
const pageLimit = (max: number, fallback: number) =>
  z
    .number({ error: expected('a number') })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const listLimitField = pageLimit(200, 50);

export const membershipLimitField = pageLimit(500, 100);

export const searchKindField = z.enum(DIRECTORY_KINDS, { error: expected(`one of ${DIRECTORY_KINDS.join(', ')}`) });

export const queryField = z
  .string({ error: expected('a string') })
  .max(200, 'must be at most 200 characters')
  .refine(noControlCharacters, 'must not contain control characters')
  .default('')
  .describe('Substring of name or email; omit to list all');

export const searchLimitField = pageLimit(100, 20);

// ---- output shapes (docs/contract.md, "Results of the writing tools" and "Results of the reading tools") ----

// Output shapes are strict in zod (tests parse our results with them); the listed JSON is looser.
const count = z.number().int();
const connectionFacts = {
  connection: z.string(),
  /** The provider kind (clockify, gorules, projectmanager, zello). */
  provider: z.string(),
  sandbox: z.boolean(),
};
const projectRef = z.strictObject({ id: z.string(), name: z.string().optional() });
/** An error code of the contract; listed as a plain string to keep tools/list small. */
const errorCode = z.string().refine((code) => (ERROR_CODES as readonly string[]).includes(code), 'unknown error code');

const entryError = z.strictObject({ code: errorCode, message: z.string() });
/** An ISO 8601 time and the seconds until it: when to call again. */
const retryFields = { retryAt: z.iso.datetime().optional(), retryAfterSeconds: count.optional() };
/**
 * The rate-limit facts: the connection's limit ("30/h" or "off"), the requests the call takes (a
 * dry run) or needed (RATE_LIMITED), and how many it could start now.
 */
const budgetFacts = { limit: z.string(), requests: count, available: count.optional() };
const envelopeError = z.strictObject({
  code: errorCode,
  message: z.string(),
  hint: z.string().optional(),
  ...retryFields,
  budget: z.strictObject(budgetFacts).optional(),
});
/** A dry run's `budget`: the facts, whether the real call fits now, and if not, when it would. */
const dryRunBudget = z.strictObject({ ...budgetFacts, fits: z.boolean(), ...retryFields });
const teamRef = z.strictObject({ id: z.string(), name: z.string().optional(), mode: z.enum(['native', 'expanded']) });

export const memberResultSchema = z.strictObject({
  input: z.string(),
  userId: z.string().optional(),
  name: z.string().optional(),
  email: z.string().optional(),
  status: z.enum(MEMBER_STATUSES),
  role: z.string().optional(),
  error: entryError.optional(),
});

const summary = z.strictObject({ requested: count, changed: count, unchanged: count, failed: count });

export const mutationResultSchema = z.strictObject({
  ...connectionFacts,
  dryRun: z.boolean(),
  project: projectRef,
  results: z.array(memberResultSchema),
  summary,
  /** Dry runs only: the requests the real call would take and whether the rate limit allows them now. */
  budget: dryRunBudget.optional(),
});

/** A removal's entries: only the statuses a removal can have, which also keeps its listing small. */
const removalEntry = memberResultSchema.extend({ status: z.enum(['removed', 'not_member', 'failed', 'would_remove']) });

/** One project of a removal from several: its members' results and their summary. */
const projectRemoval = z.strictObject({ project: projectRef, results: z.array(removalEntry), summary });

/**
 * remove_project_members' result: the writing tools' shape for `project` (unchanged), or per
 * project under `projects`, with the summary over all of them. `confirmation` comes with a dry run
 * whose change needs confirming.
 */
export const removalResultSchema = z
  .strictObject({
    ...connectionFacts,
    dryRun: z.boolean(),
    project: projectRef.optional(),
    results: z.array(removalEntry).optional(),
    projects: z.array(projectRemoval).optional(),
    summary,
    budget: dryRunBudget.optional(),
    confirmation: z.string().optional(),
  })
  .refine((result) => (result.projects === undefined) === (result.project !== undefined && result.results !== undefined), 'either project and results, or projects');

/** add_team_to_project's result: the same, plus the team and how it was added. */
export const teamResultSchema = mutationResultSchema.extend({
  team: teamRef,
});

export const memberListSchema = z.strictObject({
  ...connectionFacts,
  project: projectRef,
  members: z.array(
    z.strictObject({ userId: z.string(), name: z.string().optional(), email: z.string().optional(), role: z.string().optional() }),
  ),
  nextCursor: z.string().optional(),
});

const accessWay = z.strictObject({ kind: z.enum(ACCESS_KINDS), id: z.string().optional(), name: z.string().optional() });

/** list_user_memberships: each input resolved, a page of (user, project) access, and what could not be read. */
export const userMembershipsSchema = z.strictObject({
  ...connectionFacts,
  users: z.array(
    z.strictObject({
      input: z.string(),
      userId: z.string().optional(),
      name: z.string().optional(),
      email: z.string().optional(),
      /** Projects they can access, on every page. */
      projects: count.optional(),
      error: entryError.optional(),
    }),
  ),
  memberships: z.array(z.strictObject({ userId: z.string(), project: projectRef, role: z.string().optional(), via: z.array(accessWay) })),
  unreadable: z.array(z.strictObject({ project: projectRef, error: entryError })),
  nextCursor: z.string().optional(),
});

export const directorySchema = z.strictObject({
  ...connectionFacts,
  kind: z.enum(DIRECTORY_KINDS),
  entries: z.array(z.strictObject({ id: z.string(), name: z.string(), email: z.string().optional() })),
  truncated: z.boolean(),
});

/** What every tool returns when a call cannot proceed at all (isError: true). */
export const errorEnvelopeSchema = z.strictObject({
  error: envelopeError,
});

/**
 * Small nested objects that tools/list shows only as "an object" to stay small; the contract and
 * README document their fields, and tests parse results with these strict shapes.
 */
export const BRIEF_IN_LISTING: ReadonlySet<z.ZodType> = new Set<z.ZodType>([projectRef, teamRef, entryError, envelopeError, dryRunBudget, summary, projectRemoval, accessWay]);
