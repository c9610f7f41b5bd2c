import { createHash } from 'node:crypto';
import type { DigestSecrets } from './types.js';

/**
 * HA1 for both digest algorithms (RFC 7616 §3.4.2): H(username:realm:password), with the
 * subscriber's domain as realm. Storing these instead of the password means a leaked database
 * does not reveal passwords reused elsewhere (it still allows digest logins: keep it private).
 */
export function digestSecrets(username: string, realm: string, password: string): DigestSecrets {
  const input = `${username}:${realm}:${password}`;
  return {
    ha1Md5: createHash('md5').update(input, 'utf8').digest('hex'),
    ha1Sha256: createHash('sha256').update(input, 'utf8').digest('hex'),
  };
}
