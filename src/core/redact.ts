/**
 * Removes credentials from text that may reach a result, an error or a log line. Each connection
 * registers its secrets once; secrets learnt later (a session token) are replaced when they are,
 * so that only live ones are kept. Every message built by the HTTP layer and the logger passes here.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(...secrets: Array<string | undefined>): this {
    for (const secret of secrets) {
      // Very short values would redact ordinary words; credentials are never that short.
      if (secret && secret.length >= 4) this.secrets.add(secret);
    }
    return this;
  }

  /** Forgets a secret that is no longer live (a session token replaced at a new login). */
  remove(secret: string | undefined): this {
    if (secret !== undefined) this.secrets.delete(secret);
    return this;
  }

  /** How many secrets it knows (tests check that it stays bounded). */
  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('[REDACTED]');
    }
    // Bearer tokens we did not know about (a token minted at login and not yet registered).
    return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]');
  }
}

/**
 * A URL as messages may show it: scheme, host and port only. Whatever else a setting holds (a
 * user name and password, a path or a query with a key in it) is never echoed; a value that is
 * not a URL at all (a secret put in the wrong variable) is not shown either.
 */
export function urlForDisplay(text: string): string {
  try {
    const url = new URL(text);
    return url.host ? `${url.protocol}//${url.host}` : 'a value that is not an http(s) URL (not shown)';
  } catch {
    return 'a value that is not a URL (not shown)';
  }
}
