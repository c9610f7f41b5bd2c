/** Exit codes of the `switchboard` command. */
export const EXIT_OK = 0;
/** The command ran and failed (e.g. the SIP port is taken). */
export const EXIT_FAILURE = 1;
/** Bad usage: unknown flags, bad flag values, invalid configuration. */
export const EXIT_USAGE = 2;
