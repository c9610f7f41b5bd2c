/** What to do about the usual reasons a node cannot listen. */
export function startHint(error: unknown, port: number): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return ` (port ${port} is taken by another program: stop it or choose another port with --sip-port)`;
    case 'EACCES':
      return ` (port ${port} needs privileges: run with CAP_NET_BIND_SERVICE or choose a port above 1023 with --sip-port)`;
    case 'EADDRNOTAVAIL':
      return ' (an address in --sip-listen is not on this machine)';
    default:
      return '';
  }
}
