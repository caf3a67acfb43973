/**
 * Loopback names and addresses: where plain http keeps credentials on this machine, what a
 * DNS-rebinding check accepts by default, and what binds without authentication.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || /^::ffff:127(\.\d{1,3}){3}$/.test(name);
}
