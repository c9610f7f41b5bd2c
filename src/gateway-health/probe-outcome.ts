/**
 * Whether a final response to an OPTIONS probe shows the gateway alive. Any answer does (a carrier
 * that answers 404, 403 or 405 to OPTIONS is up: Asterisk's qualify and OpenSIPS' dispatcher take
 * it so), except 408 and 5xx: the UAC core makes those up itself for a timeout or a transport
 * failure (RFC 3261 §8.1.3.1), and a gateway that answers 503 or 500 asks for no traffic (§21.5.4).
 * Kamailio's dispatcher gets the same result with ds_ping_reply_codes="class=2;class=3;class=4"
 * minus 408.
 */
export function answeredAlive(status: number): boolean {
  if (status === 408) return false;
  return status < 500 || status >= 600;
}
