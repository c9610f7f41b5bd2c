/** Which calls the B2BUA takes over by default (`b2bua.mode`); call policies refine it (call-plan.ts). */
export const B2BUA_MODES = ['off', 'all', 'trunks', 'nat'] as const;
export type B2buaMode = (typeof B2BUA_MODES)[number];
