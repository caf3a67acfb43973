import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/core/hosts.js';

describe('isLoopbackHost', () => {
  it('knows loopback names', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', 'example.com', '::', 'localhost.example.com', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
