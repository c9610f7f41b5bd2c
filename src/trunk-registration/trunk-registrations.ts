import type { SipUri } from '../sip/message/index.js';
import {
  RegistrationClient,
  type RegistrationClientOptions,
  type RegistrationState,
  type RegistrationStatus,
  type RetryPolicy,
} from '../sip/registration/index.js';
import type { TransportProtocol } from '../sip/transport/index.js';
import { systemTimers, type UaTimers } from '../sip/ua/index.js';
import { registrationAddresses } from './addresses.js';
import type { RegisteringTrunk, TrunkRegistrationStatus } from './types.js';

export interface TrunkRegistrationsOptions {
  core: RegistrationClientOptions['core'];
  /** The trunks as stored now; read at start and every `pollMs`. */
  trunks: () => Promise<RegisteringTrunk[]>;
  /** The node's own address per transport, for the Contact. */
  localContact: (protocol: TransportProtocol) => SipUri;
  /** How often the stored trunks are read again, so provisioning changes apply; default 5 s. */
  pollMs?: number;
  retry?: RetryPolicy;
  timers?: UaTimers;
  now?: () => number;
  /** A registration's state changed (registering → registered, registered → failed...). */
  onChange?: (status: TrunkRegistrationStatus, previous: RegistrationState) => void;
  /** The trunks could not be read, or a trunk's registration could not be set up. */
  onError?: (error: unknown, trunk?: string) => void;
}

interface Running {
  client: RegistrationClient;
  /** The settings it was made from: a change makes a new registration. */
  key: string;
  trunk: string;
  registrar: string;
  aor: string;
  contact: string;
}

/**
 * The node's outbound registrations: one RegistrationClient per enabled trunk that has
 * registration settings, following the store (a trunk added, changed, disabled or removed is
 * registered, re-registered or unregistered at the next poll), and all unregistered at stop.
 */
export class TrunkRegistrations {
  private readonly running = new Map<string, Running>();
  private readonly timers: UaTimers;
  private timer: unknown;
  private started = false;
  private reconciling: Promise<void> | undefined;

  constructor(private readonly options: TrunkRegistrationsOptions) {
    this.timers = options.timers ?? systemTimers;
  }

  /** Read the trunks and register; again every pollMs. Resolves after the first reading. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.poll();
  }

  /** Unregister every trunk (each bounded by the client's stop timeout). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.reconciling;
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => r.client.stop()));
  }

  list(): TrunkRegistrationStatus[] {
    return [...this.running.values()]
      .map((r) => this.statusOf(r))
      .sort((a, b) => a.trunk.localeCompare(b.trunk));
  }

  get(trunk: string): TrunkRegistrationStatus | undefined {
    const running = this.running.get(trunk);
    return running && this.statusOf(running);
  }

  private async poll(): Promise<void> {
    this.reconciling = this.reconcile().catch((error: unknown) => this.options.onError?.(error));
    await this.reconciling;
    this.reconciling = undefined;
    if (this.started)
      this.timer = this.timers.setTimeout(() => void this.poll(), this.options.pollMs ?? 5000);
  }

  /** Start, restart and stop registrations so they match the stored trunks. */
  async reconcile(): Promise<void> {
    let trunks: RegisteringTrunk[];
    try {
      trunks = await this.options.trunks();
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (!this.started) return;
    const wanted = new Map<string, RegisteringTrunk>();
    for (const trunk of trunks) if (trunk.enabled && trunk.registration) wanted.set(trunk.name, trunk);
    const stopping: Array<Promise<void>> = [];
    for (const [name, running] of this.running) {
      const trunk = wanted.get(name);
      if (trunk && keyOf(trunk) === running.key) continue;
      this.running.delete(name);
      stopping.push(running.client.stop());
    }
    // The old binding goes before the new one is made, so a changed Contact never leaves two.
    await Promise.all(stopping);
    if (!this.started) return;
    for (const trunk of wanted.values()) if (!this.running.has(trunk.name)) this.begin(trunk);
  }

  private begin(trunk: RegisteringTrunk): void {
    const settings = trunk.registration!;
    let running: Running | undefined;
    try {
      const addresses = registrationAddresses(settings, this.options.localContact);
      const client = new RegistrationClient({
        core: this.options.core,
        registrar: addresses.registrar,
        aor: addresses.aor,
        contact: addresses.contact,
        credentials: {
          username: settings.username,
          password: settings.password,
          ...(settings.realm ? { realm: settings.realm } : {}),
        },
        expires: settings.expires,
        ...(this.options.retry ? { retry: this.options.retry } : {}),
        timers: this.timers,
        ...(this.options.now ? { now: this.options.now } : {}),
        // Every change of state, the unregistering at removal or stop included.
        onChange: (status, previous) => {
          if (running && status.state !== previous)
            this.options.onChange?.({ ...status, ...addressesOf(running) }, previous);
        },
      });
      running = { client, key: keyOf(trunk), trunk: trunk.name, ...addresses };
    } catch (error) {
      this.options.onError?.(error, trunk.name);
      return;
    }
    this.running.set(trunk.name, running);
    running.client.start();
  }

  private statusOf(running: Running): TrunkRegistrationStatus {
    return { ...running.client.status(), ...addressesOf(running) };
  }
}

function addressesOf(running: Running): Omit<TrunkRegistrationStatus, keyof RegistrationStatus> {
  return { trunk: running.trunk, registrar: running.registrar, aor: running.aor, contact: running.contact };
}

function keyOf(trunk: RegisteringTrunk): string {
  const r = trunk.registration!;
  return JSON.stringify([r.registrar, r.username, r.password, r.realm ?? null, r.expires]);
}
