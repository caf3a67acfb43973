/**
 * Removes credentials from text that may reach a result, an error or a log line. Each connection
 * registers its secrets once; every message built by the HTTP layer and the logger passes here.
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
