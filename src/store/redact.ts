/** A store URL fit for messages and logs: the password replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.href;
  } catch {
    // Not a URL we can parse: show nothing of it rather than risk a secret.
    return '(unparseable store URL)';
  }
}
