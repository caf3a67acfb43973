#!/usr/bin/env node
/**
 * Writes test/specs/<provider>.json: the part of each provider's official API description that
 * the adapters use (the operations below, and every schema they reference, transitively), taken
 * unchanged from the originals in ../shared/specs/, with the listed corrections applied and
 * recorded in the output's `x-corrections`. The test suite validates every simulator exchange
 * against these files. Run it again after changing the operations an adapter uses:
 *
 *   node test/specs/extract.mjs [path/to/shared/specs]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const sources = process.argv[2] ?? join(here, '../../../shared/specs');

const PROVIDERS = [
  {
    kind: 'clockify',
    file: 'clockify-openapi.json',
    basePath: '/api',
    operations: [
      ['get', '/v1/user'],
      ['get', '/v1/workspaces'],
      ['get', '/v1/workspaces/{workspaceId}/projects'],
      ['get', '/v1/workspaces/{workspaceId}/projects/{projectId}'],
      ['post', '/v1/workspaces/{workspaceId}/projects/{projectId}/memberships'],
      ['get', '/v1/workspaces/{workspaceId}/users'],
      ['post', '/v1/workspaces/{workspaceId}/users/info'],
      ['get', '/v1/workspaces/{workspaceId}/user-groups'],
      ['post', '/v1/workspaces/{workspaceId}/users/{userId}/roles'],
      ['delete', '/v1/workspaces/{workspaceId}/users/{userId}/roles'],
    ],
    corrections: [
      {
        what: 'A rate (hourlyRate, costRate, on projects and memberships) may be null',
        why: 'Live replies carry null rates where none is set (a third party\'s published probe log of GET /projects/{id}); the schemas say object.',
        apply: (doc) => {
          for (const name of ['HourlyRateDtoV1', 'RateDtoV1']) doc.components.schemas[name].nullable = true;
        },
      },
      {
        what: 'AccountStatus (UserDtoV1.status) becomes a string enum',
        why: 'The published schema says `type: object` with a `oneOf` of strings beside it (a generator artefact): no value can match both. Clockify sends a string such as "ACTIVE".',
        apply: (doc) => {
          doc.components.schemas.AccountStatus = {
            type: 'string',
            description: doc.components.schemas.AccountStatus.description,
            enum: ['ACTIVE', 'PENDING_EMAIL_VERIFICATION', 'DELETED', 'NOT_REGISTERED', 'LIMITED', 'LIMITED_DELETED'],
          };
        },
      },
      {
        what: 'FeaturePlan (WorkspaceDtoV1.featureSubscriptionType) becomes a string, the plan\'s name',
        why: 'The published schema says `type: object` with a `oneOf` naming itself (a generator artefact, as for AccountStatus): no value can match it. Its own example is a string, "STANDARD_2021".',
        apply: (doc) => {
          const plan = doc.components.schemas.FeaturePlan;
          doc.components.schemas.FeaturePlan = { type: 'string', description: plan.description, example: plan.example };
        },
      },
    ],
  },
  {
    kind: 'projectmanager',
    file: 'projectmanager-openapi.json',
    basePath: '',
    operations: [
      ['get', '/api/data/projects'],
      ['get', '/api/data/projects/{projectId}'],
      ['get', '/api/data/projects/{projectId}/members'],
      ['put', '/api/data/projects/{projectId}/members/{userId}'],
      ['delete', '/api/data/projects/{projectId}/members/{userId}'],
      ['post', '/api/data/projects/{projectId}/teams/{teamId}/members'],
      ['get', '/api/data/resources'],
      ['get', '/api/data/resources/teams'],
      ['get', '/api/data/users/roles'],
      ['get', '/api/data/me'],
    ],
    corrections: [],
  },
  {
    kind: 'zello',
    file: 'zello-openapi.yaml',
    basePath: '',
    caseInsensitive: true,
    operations: [
      ['post', '/api/v1/User/login'],
      ['get', '/api/v1/User'],
      ['get', '/api/v1/User/me'],
      ['get', '/api/v1/Workspaces'],
      ['post', '/api/v1/Project/members'],
    ],
    // The published description was generated without the application's JSON settings; the
    // source code (Newtonsoft.Json, snake_case, string enums) decides the wire format.
    corrections: [
      {
        what: 'Property names are snake_case (projectId → project_id, workspaceMemberId → workspace_member_id, accessLevel → access_level, …), in properties and required lists',
        why: 'The application serialises with Newtonsoft.Json and a snake_case naming strategy; the description was generated without it. Its own request samples are snake_case.',
        apply: (doc) => {
          for (const [name, schema] of Object.entries(doc.components.schemas)) {
            if (name === 'ProblemDetails') continue;
            if (schema.properties) schema.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [snake(key), value]));
            if (schema.required) schema.required = schema.required.map(snake);
          }
        },
      },
      {
        what: 'AccessLevel is a string: "Guest", "Member", "Owner" or "Admin"',
        why: 'The enum carries a string-enum converter, so replies name the level; requests may also name it (numbers are accepted unchecked upstream, and the adapter never sends them). The description says integers 0, 10, 20, 30.',
        apply: (doc) => {
          doc.components.schemas.AccessLevel = { type: 'string', enum: ['Guest', 'Member', 'Owner', 'Admin'] };
        },
      },
      {
        what: 'A business refusal (400, 404) is a bare string: text/plain, or a JSON string literal when JSON is accepted; only a model-binding failure is a validation problem (400 with `errors`)',
        why: 'The controllers answer BadRequest(message) and NotFound(message); the description says ProblemDetails for both.',
        apply: (doc, used) => {
          const refusal = { oneOf: [{ type: 'string' }, { $ref: '#/components/schemas/ValidationProblemDetails' }] };
          doc.components.schemas.ValidationProblemDetails = {
            type: 'object',
            required: ['title', 'status', 'errors'],
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
              traceId: { type: 'string' },
            },
          };
          for (const operation of used(doc)) {
            for (const status of ['400', '404']) {
              const response = operation.responses[status];
              if (!response) continue;
              response.content = { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: refusal }, 'application/problem+json': { schema: refusal } };
            }
          }
        },
      },
      {
        what: 'A permission refusal is a 500 with an empty body, not a 403',
        why: 'The controllers call Forbid(message), which takes the message for an authentication scheme; none such is registered, so the framework throws and the client gets a 500.',
        apply: (doc, used) => {
          for (const operation of used(doc)) {
            if (!operation.responses['403']) continue;
            delete operation.responses['403'];
            operation.responses['500'] = { description: 'Permission refused (an unhandled exception upstream): no body' };
          }
        },
      },
      {
        what: 'A failed login (401) is `{"message": "Invalid credentials"}`',
        why: 'The controller answers Unauthorized(new { message = "Invalid credentials" }); the description says ProblemDetails.',
        apply: (doc) => {
          const schema = { type: 'object', required: ['message'], properties: { message: { type: 'string' } }, additionalProperties: false };
          doc.paths['/api/v1/User/login'].post.responses['401'].content = { 'application/json': { schema }, 'text/plain': { schema } };
        },
      },
    ],
  },
];

function snake(name) {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Every `#/components/schemas/X` named anywhere in value. */
function refsIn(value, found = new Set()) {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith('#/components/schemas/')) found.add(item.slice('#/components/schemas/'.length));
      else refsIn(item, found);
    }
  }
  return found;
}

for (const provider of PROVIDERS) {
  const text = readFileSync(join(sources, provider.file), 'utf8');
  const original = provider.file.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text);
  const paths = {};
  for (const [method, path] of provider.operations) {
    const item = original.paths[path];
    if (!item?.[method]) throw new Error(`${provider.kind}: ${method.toUpperCase()} ${path} is not in ${provider.file}`);
    paths[path] ??= {};
    if (item.parameters) paths[path].parameters = item.parameters;
    paths[path][method] = item[method];
  }
  // The schemas the operations reference, and the ones those reference, until none is new.
  const names = refsIn(paths);
  for (let size = -1; size !== names.size; ) {
    size = names.size;
    for (const name of [...names]) refsIn(original.components.schemas[name], names);
  }
  const schemas = Object.fromEntries([...names].sort().map((name) => [name, original.components.schemas[name]]));
  const doc = structuredClone({
    openapi: original.openapi,
    info: { ...original.info, description: `The operations of ${provider.file} that the ${provider.kind} adapter uses, extracted by test/specs/extract.mjs.` },
    'x-base-path': provider.basePath,
    ...(provider.caseInsensitive ? { 'x-case-insensitive-paths': true } : {}),
    'x-corrections': provider.corrections.map(({ what, why }) => ({ what, why })),
    paths,
    components: { schemas, ...(original.components.securitySchemes ? { securitySchemes: original.components.securitySchemes } : {}) },
  });
  const used = (d) => Object.values(d.paths).flatMap((item) => Object.entries(item).filter(([key]) => key !== 'parameters').map(([, operation]) => operation));
  for (const correction of provider.corrections) correction.apply(doc, used);
  const out = join(here, `${provider.kind}.json`);
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`${out}: ${provider.operations.length} operations, ${Object.keys(doc.components.schemas).length} schemas, ${provider.corrections.length} corrections`);
}
