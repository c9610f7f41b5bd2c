import { describe, expect, it } from 'vitest';
import { type Ban, BanTable, type UnbanReason } from '../../../src/edge/index.js';

function table(maxBans = 10) {
  const banned: Ban[] = [];
  const unbanned: Array<[string, UnbanReason]> = [];
  const bans = new BanTable({
    maxBans,
    onBan: (ban) => banned.push({ ...ban }),
    onUnban: (ban, reason) => unbanned.push([ban.address, reason]),
  });
  return { bans, banned, unbanned };
}

describe('BanTable', () => {
  it('holds a ban until it expires, counting the packets it drops', () => {
    const { bans, banned, unbanned } = table();
    bans.ban('192.0.2.1', 'flood', 1000, 300_000);
    expect(banned).toMatchObject([{ address: '192.0.2.1', reason: 'flood', since: 1000, until: 301_000 }]);
    expect(bans.check('192.0.2.1', 2000)?.dropped).toBe(1);
    expect(bans.check('192.0.2.1', 300_999)?.dropped).toBe(2);
    expect(bans.check('192.0.2.2', 2000)).toBeUndefined();
    expect(bans.check('192.0.2.1', 301_000)).toBeUndefined();
    expect(unbanned).toEqual([['192.0.2.1', 'expired']]);
    expect(bans.size).toBe(0);
  });

  it('keeps the longer of two bans and announces a source once', () => {
    const { bans, banned } = table();
    bans.ban('a', 'scanner', 0, 3_600_000);
    bans.ban('a', 'flood', 10, 300_000);
    expect(bans.get('a', 20)).toMatchObject({ reason: 'scanner', until: 3_600_000 });
    bans.ban('a', 'manual', 30, undefined);
    expect(bans.get('a', 4_000_000)).toMatchObject({ reason: 'manual', until: undefined });
    expect(banned).toHaveLength(1);
  });

  it('lifts bans by hand and sweeps expired ones', () => {
    const { bans, unbanned } = table();
    bans.ban('a', 'manual', 0, undefined);
    bans.ban('b', 'flood', 0, 100);
    bans.ban('c', 'auth', 0, 1000);
    expect(bans.lift('a')).toBe(true);
    expect(bans.lift('a')).toBe(false);
    expect(bans.sweep(500)).toBe(1);
    expect(bans.list(500).map((b) => b.address)).toEqual(['c']);
    expect(unbanned).toEqual([
      ['a', 'lifted'],
      ['b', 'expired'],
    ]);
  });

  it('holds at most maxBans, dropping the oldest', () => {
    const { bans } = table(2);
    bans.ban('a', 'flood', 0, 1000);
    bans.ban('b', 'flood', 1, 1000);
    bans.ban('c', 'flood', 2, 1000);
    expect(bans.list(3).map((b) => b.address)).toEqual(['b', 'c']);
  });
});
