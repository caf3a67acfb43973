import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PROVIDER_KINDS } from '../../src/core/types.js';
import type { Exchange } from '../../src/sandbox/simulator.js';

/**
 * Checks simulator exchanges against a provider's OpenAPI 3.0 description (test/specs/*.json): the
 * request (operation known, path and query parameters, body) and the reply (a documented status,
 * its body). Ajv validates the schemas; a small router of ours matches path templates. OpenAPI 3.0
 * schemas are turned into JSON Schema on the way in (`nullable`, references to components).
 */

type Json = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; schema?: Json };
type Operation = { parameters?: Parameter[]; requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> }; responses?: Record<string, { content?: Record<string, { schema?: Json }> }> };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The user agent of our HTTP client: the requests the adapters send. Others are the tests' own. */
export const ADAPTER_USER_AGENT = 'project-members-mcp';

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  item: Json;
}

export class ApiDescription {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly basePath: string;
  private readonly requestsOnly: boolean;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly id: string;

  constructor(
    readonly provider: string,
    doc: Json,
  ) {
    this.id = `https://specs.invalid/${provider}.json`;
    this.basePath = typeof doc['x-base-path'] === 'string' ? doc['x-base-path'] : '';
    this.requestsOnly = doc['x-requests-only'] === true;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    const components = toJsonSchema((doc.components as Json | undefined) ?? {}, this.id) as Json;
    this.ajv.addSchema({ $id: this.id, components });
    const flags = doc['x-case-insensitive-paths'] === true ? 'i' : '';
    this.routes = Object.entries(doc.paths as Record<string, Json>).map(([template, item]) => {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) => {
          const param = /^\{(.+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]!);
          return '([^/]+)';
        })
        .join('/');
      return { template, pattern: new RegExp(`^${source}$`, flags), names, item };
    });
  }

  static load(provider: string): ApiDescription {
    const file = new URL(`../specs/${provider}.json`, import.meta.url);
    return new ApiDescription(provider, JSON.parse(readFileSync(file, 'utf8')) as Json);
  }

  /** What in this exchange the description does not allow; empty when it all matches. */
  check(exchange: Exchange): string[] {
    const problems: string[] = [];
    const where = `${exchange.method} ${exchange.path}${exchange.query}`;
    if (!exchange.path.startsWith(this.basePath)) return [`${where}: outside the API's base path ${this.basePath}`];
    const path = exchange.path.slice(this.basePath.length);
    // The most specific template wins: literal segments before parameters.
    const matches = this.routes
      .map((route) => ({ route, match: route.pattern.exec(path) }))
      .filter((candidate) => candidate.match && candidate.route.item[exchange.method.toLowerCase()])
      .sort((a, b) => a.route.names.length - b.route.names.length);
    const found = matches[0];
    if (!found) return [`${where}: no such operation in the ${this.provider} description`];
    const { route, match } = found;
    const operation = route.item[exchange.method.toLowerCase()] as Operation;
    const label = `${exchange.method} ${route.template}`;
    const parameters = [...((route.item.parameters as Parameter[] | undefined) ?? []), ...(operation.parameters ?? [])];

    // Path parameters.
    route.names.forEach((name, index) => {
      const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
      const value = decodeURIComponent(match![index + 1]!);
      if (parameter?.schema) problems.push(...this.validate(parameter.schema, coerce(value, parameter.schema), `${label}: path parameter ${name}`));
    });
    // Query parameters: each known and valid, each required one present.
    const query = new URLSearchParams(exchange.query);
    for (const name of new Set(query.keys())) {
      const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
      if (!parameter) {
        problems.push(`${label}: query parameter "${name}" is not in the description`);
        continue;
      }
      if (parameter.schema) {
        for (const value of query.getAll(name)) problems.push(...this.validate(parameter.schema, coerce(value, parameter.schema), `${label}: query parameter ${name}`));
      }
    }
    for (const parameter of parameters) {
      if (parameter.in === 'query' && parameter.required && !query.has(parameter.name)) problems.push(`${label}: required query parameter "${parameter.name}" is missing`);
    }
    // Body.
    const body = exchange.rawBody.trim();
    const contentType = headerValue(exchange.headers['content-type']);
    if (body === '') {
      if (operation.requestBody?.required) problems.push(`${label}: the request body is required`);
    } else if (!operation.requestBody) {
      problems.push(`${label}: sends a body the operation does not take`);
    } else {
      const media = pickMedia(operation.requestBody.content ?? {}, contentType);
      if (!media) problems.push(`${label}: request content type ${contentType ?? '(none)'} is not one the operation takes`);
      else if (media.schema) problems.push(...this.validate(media.schema, parseJson(body), `${label}: request body`));
    }
    if (this.requestsOnly || exchange.fault || !exchange.response) return problems;

    // Reply: a documented status (undocumented error statuses pass: the descriptions document few errors), and its body.
    const { status } = exchange.response;
    const responses = operation.responses ?? {};
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!response) {
      if (status < 300) problems.push(`${label}: answered ${status}, which the description does not list (${Object.keys(responses).join(', ')})`);
      return problems;
    }
    const replyType = headerValue(exchange.response.headers['content-type']);
    const reply = exchange.response.body;
    if (!response.content || Object.keys(response.content).length === 0) {
      if (reply.trim() !== '') problems.push(`${label}: answered ${status} with a body where the description has none`);
      return problems;
    }
    const media = pickMedia(response.content, replyType);
    if (!media) {
      problems.push(`${label}: answered ${status} as ${replyType ?? '(no content type)'}, not a type the description lists (${Object.keys(response.content).join(', ')})`);
    } else if (media.schema) {
      const value = /json/i.test(replyType ?? '') ? parseJson(reply) : reply;
      problems.push(...this.validate(media.schema, value, `${label}: reply ${status}`));
    }
    return problems;
  }

  private validate(schema: Json, value: unknown, where: string): string[] {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema, this.id) as Json);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 5).map((error) => `${where}: ${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
  }
}

/** OpenAPI 3.0 schema → JSON Schema: `nullable` as a null alternative, component references made absolute. */
function toJsonSchema(value: unknown, id: string): unknown {
  if (Array.isArray(value)) return value.map((item) => toJsonSchema(item, id));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    if (key === '$ref' && typeof item === 'string' && item.startsWith('#/')) out.$ref = `${id}${item}`;
    else if (key === 'example' || key === 'nullable' || key === 'discriminator') continue;
    else out[key] = toJsonSchema(item, id);
  }
  if ((value as Json).nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

/** A query or path string as the schema's type reads it. */
function coerce(text: string, schema: Json): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

function pickMedia(content: Record<string, { schema?: Json }>, type: string | undefined): { schema?: Json } | undefined {
  const base = type?.split(';')[0]!.trim().toLowerCase();
  if (base && content[base]) return content[base];
  for (const [pattern, media] of Object.entries(content)) {
    const [major, minor] = pattern.toLowerCase().split('/');
    if (!base) continue;
    const [bMajor, bMinor] = base.split('/');
    if ((major === '*' || major === bMajor) && (minor === '*' || minor === bMinor || (minor!.startsWith('*+') && bMinor!.endsWith(minor!.slice(1))))) return media;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const descriptions = new Map<string, ApiDescription | null>();

/** The description of a provider's API, or null for simulators that have none (test helpers). */
export function descriptionOf(provider: string): ApiDescription | null {
  if (!descriptions.has(provider)) {
    // Every provider has one (test/specs/<kind>.json); a missing file fails loudly.
    descriptions.set(provider, (PROVIDER_KINDS as readonly string[]).includes(provider) ? ApiDescription.load(provider) : null);
  }
  return descriptions.get(provider)!;
}

/** What is wrong with an exchange; only the adapters' requests are checked (the tests' own may be malformed on purpose). */
export function checkExchange(exchange: Exchange): string[] {
  if (headerValue(exchange.headers['user-agent']) !== ADAPTER_USER_AGENT) return [];
  const description = descriptionOf(exchange.provider);
  return description ? description.check(exchange).map((problem) => `${exchange.provider}: ${problem}`) : [];
}
