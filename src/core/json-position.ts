/**
 * Where a JSON text stops being valid JSON, as a line and column (both from 1), for messages that
 * must not quote the text: a configuration file can hold secrets, and the engine's own messages
 * sometimes quote the text around the error. Undefined when the text is valid.
 */
export function jsonErrorPosition(text: string): { line: number; column: number } | undefined {
  const offset = new JsonScanner(text).errorOffset();
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** A JSON syntax checker (RFC 8259, as JSON.parse reads it) that reports the offset of the first error. */
class JsonScanner {
  private at = 0;

  constructor(private readonly text: string) {}

  errorOffset(): number | undefined {
    try {
      this.value();
      this.space();
      if (this.at < this.text.length) throw this.at;
      return undefined;
    } catch (offset) {
      if (typeof offset === 'number') return Math.min(offset, this.text.length);
      throw offset;
    }
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) throw this.at;
    this.at++;
  }

  private value(): void {
    this.space();
    const char = this.text[this.at];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    throw this.at;
  }

  private object(): void {
    this.expect('{');
    this.space();
    if (this.text[this.at] === '}') return void this.at++;
    for (;;) {
      this.space();
      this.string();
      this.space();
      this.expect(':');
      this.value();
      this.space();
      if (this.text[this.at] === '}') return void this.at++;
      this.expect(',');
    }
  }

  private array(): void {
    this.expect('[');
    this.space();
    if (this.text[this.at] === ']') return void this.at++;
    for (;;) {
      this.value();
      this.space();
      if (this.text[this.at] === ']') return void this.at++;
      this.expect(',');
    }
  }

  private string(): void {
    this.expect('"');
    for (;;) {
      const code = this.text.charCodeAt(this.at);
      if (Number.isNaN(code) || code < 0x20) throw this.at;
      this.at++;
      if (code === 0x22) return; // the closing quote
      if (code !== 0x5c) continue; // not a backslash
      const escape = this.text[this.at];
      if (escape !== undefined && '"\\/bfnrt'.includes(escape)) this.at++;
      else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 1, this.at + 5))) this.at += 5;
      else throw this.at;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.at;
    if (!NUMBER.exec(this.text)) throw this.at;
    this.at = NUMBER.lastIndex;
  }
}
