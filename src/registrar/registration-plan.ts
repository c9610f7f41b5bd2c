import type { RemovalReason } from '../events/index.js';
import type { Binding, BindingChange, BindingSource } from '../location/index.js';
import { parseUri, type SipUri, uriEquals } from '../sip/message/index.js';
import type { ContactParams } from './contact-params.js';
import type { RegistrarOptions } from './types.js';

/** One Contact of a REGISTER, parsed. */
export interface RegisterContact {
  uri: SipUri;
  /** The URI text to store (detached from the message). */
  text: string;
  params: ContactParams;
}

/** Everything §10.3 steps 6–7 look at, already extracted from the request. */
export interface PlanInput {
  aor: string;
  /** Live bindings of the AoR. */
  current: readonly Binding[];
  /** Contacts to add/refresh/remove; '*' removes all; empty is a query. */
  contacts: readonly RegisterContact[] | '*';
  /** The Expires header, when present. */
  headerExpires?: number;
  callId: string;
  cseq: number;
  now: number;
  source: BindingSource;
  path: readonly string[];
  userAgent?: string;
}

export interface PlanRefusal {
  ok: false;
  status: number;
  reason?: string;
  headers?: Array<[string, string]>;
}

export interface PlanSuccess {
  ok: true;
  change: BindingChange;
  created: Binding[];
  refreshed: Binding[];
  removed: Array<{ binding: Binding; reason: RemovalReason }>;
  /** The AoR's bindings once the change is committed, by preference. */
  bindings: Binding[];
}

export type Plan = PlanSuccess | PlanRefusal;

/** A binding of the resulting set and the current binding it stems from (undefined: new). */
interface Entry {
  binding: Binding;
  original: Binding | undefined;
}

const outOfOrder: PlanRefusal = { ok: false, status: 500, reason: 'Out of Order REGISTER' };

/**
 * RFC 3261 §10.3 steps 6–7 (with RFC 5626 §6 instance/reg-id matching) as a pure function of the
 * current bindings and the request: the change to commit and the resulting set, or the refusal.
 * Nothing is changed unless every contact is acceptable (step 7: all or nothing).
 */
export function planRegistration(input: PlanInput, options: RegistrarOptions): Plan {
  const { current, contacts } = input;
  if (contacts === '*') return planWildcard(input);

  const entries: Entry[] = current.map((b) => ({ binding: b, original: b }));
  const removed = new Map<Binding, RemovalReason>();
  for (const contact of contacts) {
    // Step 7: the contact's expires parameter, else the Expires header, else our default.
    let expires = contact.params.expires ?? input.headerExpires ?? options.defaultExpires;
    if (expires > 0 && expires < options.minExpires) {
      return {
        ok: false,
        status: 423,
        headers: [['Min-Expires', String(options.minExpires)]],
      };
    }
    expires = Math.min(expires, options.maxExpires);
    const index = findEntry(entries, contact);
    const entry = index >= 0 ? entries[index] : undefined;
    // Step 7: the same Call-ID with a CSeq not above the stored one is an out-of-order request.
    if (entry?.original && entry.binding === entry.original) {
      if (entry.original.callId === input.callId && input.cseq <= entry.original.cseq) return outOfOrder;
    }
    if (expires === 0) {
      if (entry) {
        entries.splice(index, 1);
        if (entry.original) removed.set(entry.original, 'deregistered');
      }
      continue;
    }
    const binding = newBinding(input, contact, expires);
    if (entry) entry.binding = binding;
    else entries.push({ binding, original: undefined });
  }

  // Beyond the per-AoR limit, evict the least recently refreshed bindings this request left alone.
  if (entries.length > options.maxContacts) {
    const untouched = entries.filter((e) => e.binding === e.original).sort(byAge);
    for (const e of untouched) {
      if (entries.length <= options.maxContacts) break;
      entries.splice(entries.indexOf(e), 1);
      removed.set(e.original!, 'evicted');
    }
    if (entries.length > options.maxContacts) {
      return {
        ok: false,
        status: 403,
        reason: 'Too Many Contacts',
        headers: [
          ['Warning', `399 switchboard "at most ${options.maxContacts} contacts per address-of-record"`],
        ],
      };
    }
  }

  const created: Binding[] = [];
  const refreshed: Binding[] = [];
  const remove: Binding[] = [...removed.keys()];
  const add: Binding[] = [];
  const removedList = [...removed].map(([binding, reason]) => ({ binding, reason }));
  for (const e of entries) {
    if (e.binding === e.original) continue;
    add.push(e.binding);
    if (!e.original) created.push(e.binding);
    else {
      remove.push(e.original);
      if (e.original.contact === e.binding.contact) refreshed.push(e.binding);
      else {
        // RFC 5626 §6: same instance and reg-id, new contact: the old flow is replaced.
        removedList.push({ binding: e.original, reason: 'replaced' });
        created.push(e.binding);
      }
    }
  }
  const bindings = entries.map((e) => e.binding).sort(byPreference);
  return { ok: true, change: { remove, add }, created, refreshed, removed: removedList, bindings };
}

/** Step 6: `Contact: *` with `Expires: 0` removes every binding, subject to the step 7 ordering check. */
function planWildcard(input: PlanInput): Plan {
  if (input.headerExpires !== 0) {
    return { ok: false, status: 400, reason: 'Contact * Requires Expires: 0' };
  }
  for (const b of input.current) {
    if (b.callId === input.callId && input.cseq <= b.cseq) return outOfOrder;
  }
  return {
    ok: true,
    change: { remove: [...input.current], add: [] },
    created: [],
    refreshed: [],
    removed: input.current.map((binding) => ({ binding, reason: 'wildcard' as const })),
    bindings: [],
  };
}

function findEntry(entries: Entry[], contact: RegisterContact): number {
  const { instanceId, regId } = contact.params;
  if (instanceId !== undefined && regId !== undefined) {
    const i = entries.findIndex((e) => e.binding.instanceId === instanceId && e.binding.regId === regId);
    if (i >= 0) return i;
  }
  return entries.findIndex((e) => sameContact(e.binding.contact, contact));
}

/** RFC 3261 §10.3 step 7: contacts compare with the URI comparison rules of §19.1.4. */
function sameContact(stored: string, contact: RegisterContact): boolean {
  if (stored === contact.text) return true;
  try {
    return uriEquals(parseUri(stored), contact.uri);
  } catch {
    return false;
  }
}

function newBinding(input: PlanInput, contact: RegisterContact, expires: number): Binding {
  const { instanceId, regId } = contact.params;
  return {
    aor: input.aor,
    contact: contact.text,
    expiresAt: input.now + expires * 1000,
    q: contact.params.q ?? 1,
    callId: input.callId,
    cseq: input.cseq,
    source: input.source,
    path: input.path,
    instanceId,
    // RFC 5626 §6: a reg-id without +sip.instance is ignored.
    regId: instanceId !== undefined ? regId : undefined,
    userAgent: input.userAgent,
    updatedAt: input.now,
  };
}

function byAge(a: Entry, b: Entry): number {
  return a.binding.updatedAt - b.binding.updatedAt;
}

function byPreference(a: Binding, b: Binding): number {
  return b.q - a.q || b.updatedAt - a.updatedAt;
}
