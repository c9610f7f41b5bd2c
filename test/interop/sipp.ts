import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child.js';
import { allocatePorts, waitForBound } from './ports.js';
import { parseSippStats, type SippStats } from './sipp-stats.js';

export type SipTransport = 'udp' | 'tcp';

/** SIPp's `-t` mode: one UDP socket, or one TCP connection shared by all calls. */
export function sippTransportFlag(transport: SipTransport): string {
  return transport === 'udp' ? 'u1' : 't1';
}

/**
 * Each SIPp process gets a block of ports: SIP on base, media (RTP echo on mp and mp+2) on base+2,
 * control socket on base+6. SIPp binds media and control sockets even for signalling-only
 * scenarios (defaults 6000 and 8888), so they must be distinct per process too.
 */
const PORT_BLOCK = 8;

/** A SIPp process's SIP port and the arguments that bind it there. */
export interface SippBinding {
  sip: number;
  args: string[];
}

export interface SippBindingOptions {
  /** The local address (-i); 127.0.0.1 by default. */
  address?: string;
  /** The transport (-t); SIPp's own default (u1) when not given. */
  transport?: SipTransport;
}

/**
 * A port block for one SIPp process and the arguments that bind it:
 * `-i address -p sip -mp … -cp …`, and `-t` when a transport is given.
 */
export async function sippPorts(options: SippBindingOptions = {}): Promise<SippBinding> {
  const base = await allocatePorts(PORT_BLOCK);
  return {
    sip: base,
    args: [
      '-i',
      options.address ?? '127.0.0.1',
      '-p',
      String(base),
      '-mp',
      String(base + 2),
      '-cp',
      String(base + 6),
      ...(options.transport === undefined ? [] : ['-t', sippTransportFlag(options.transport)]),
    ],
  };
}

export interface SippResult extends SippStats {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The harness killed SIPp at its deadline (its own -timeout did not end it). */
  timedOut: boolean;
  wallMs: number;
  stderrTail: string;
  args: string[];
  /** SIPp's -trace_msg log (every message sent and received), when asked for with traceMessages. */
  messages?: string;
}

export interface RunSippOptions {
  /** Run with `-trace_msg` and return the message log in `messages`. */
  traceMessages?: boolean;
  /** Working directory (SIPp opens rtp_stream files relative to it); a scratch one by default. */
  cwd?: string;
}

/** A readable one-line summary plus the stderr tail, for assertion messages. */
export function describeSipp(result: SippResult): string {
  const c = result.columns;
  return (
    `sipp ${result.args.join(' ')}\n` +
    `successful=${result.successful} failed=${result.failed} exit=${result.exitCode} ` +
    `timedOut=${result.timedOut} wall=${(result.wallMs / 1000).toFixed(1)}s ` +
    `retrans=${c['Retransmissions(C)']} maxUdpRetrans=${c['FailedMaxUDPRetrans(C)']} ` +
    `recvTimeout=${c['FailedTimeoutOnRecv(C)']} unexpected=${c['FailedUnexpectedMessage(C)']} ` +
    `tcpClosed=${c['FailedTcpClosed(C)']}\n--- stderr tail ---\n${result.stderrTail.slice(-1500)}`
  );
}

/**
 * Runs one SIPp process to completion with `-nostdin -trace_stat -stf FILE -fd 1`, killing it
 * at `deadlineMs`, and returns the totals of its stat file.
 */
export async function runSipp(
  bin: string,
  args: string[],
  deadlineMs: number,
  options: RunSippOptions = {},
): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-sipp-'));
  const statFile = join(dir, 'stat.csv');
  const messageFile = join(dir, 'messages.log');
  const fullArgs = [...args, '-nostdin', '-trace_stat', '-stf', statFile, '-fd', '1'];
  if (options.traceMessages) fullArgs.push('-trace_msg', '-message_file', messageFile);
  const started = Date.now();
  const child = new Child('sipp', bin, fullArgs, { cwd: options.cwd ?? dir });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(2_000);
  }, deadlineMs);
  const exit = await child.exited;
  clearTimeout(timer);
  try {
    let stats: SippStats;
    try {
      stats = parseSippStats(readFileSync(statFile, 'utf8'));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${child.report()}`);
    }
    let messages: string | undefined;
    if (options.traceMessages) {
      try {
        messages = readFileSync(messageFile, 'utf8');
      } catch {
        messages = '';
      }
    }
    return {
      ...stats,
      ...(messages === undefined ? {} : { messages }),
      exitCode: exit.code,
      signal: exit.signal,
      timedOut,
      wallMs: Date.now() - started,
      stderrTail: child.stderrTail,
      args: fullArgs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface UacOptions {
  /** `host:port` of the proxy (or UAS) to call. */
  target: string;
  transport: SipTransport;
  /** Calls per second. */
  rate: number;
  calls: number;
  /** SIPp `-lost`: percentage of messages SIPp itself drops (sent and received). */
  lost?: number;
  /** Per-message receive timeout (SIPp -recv_timeout, ms); a call that waits longer fails. */
  recvTimeoutMs?: number;
  /** SIPp's global -timeout (s): it stops after this long. The harness kills it 10 s later. */
  timeoutS?: number;
  extraArgs?: string[];
}

/** SIPp's built-in `uac` scenario (INVITE, ACK, BYE with no call hold) from 127.0.0.1. */
export async function runSippUac(bin: string, options: UacOptions): Promise<SippResult> {
  const ports = await sippPorts({ transport: options.transport });
  const timeoutS = options.timeoutS ?? 60;
  const args = [
    '-sn',
    'uac',
    options.target,
    ...ports.args,
    '-r',
    String(options.rate),
    '-m',
    String(options.calls),
    '-l',
    String(Math.max(1_000, options.calls)),
    '-d',
    '0',
    '-recv_timeout',
    String(options.recvTimeoutMs ?? 10_000),
    '-timeout',
    String(timeoutS),
    ...(options.lost === undefined ? [] : ['-lost', String(options.lost)]),
    ...(options.extraArgs ?? []),
  ];
  return runSipp(bin, args, timeoutS * 1000 + 10_000);
}

export interface UasOptions {
  transport: SipTransport;
  lost?: number;
  /** A custom scenario file instead of the built-in `uas`. */
  scenario?: string;
  extraArgs?: string[];
  /** The binding of an earlier instance (address, ports, transport), to start again on the same address. */
  ports?: SippBinding;
}

/** A running SIPp UAS on 127.0.0.1:port. */
export interface SippUas {
  port: number;
  /** Its port block, for a restart on the same port (UasOptions.ports). */
  ports: SippBinding;
  child: Child;
  stop(): Promise<void>;
}

/** Starts SIPp as a UAS (built-in `uas` unless a scenario is given) and waits until it listens. */
export async function startSippUas(bin: string, options: UasOptions): Promise<SippUas> {
  const ports = options.ports ?? (await sippPorts({ transport: options.transport }));
  const dir = mkdtempSync(join(tmpdir(), 'sb-sipp-uas-'));
  const args = [
    ...(options.scenario === undefined ? ['-sn', 'uas'] : ['-sf', options.scenario]),
    ...ports.args,
    ...(options.lost === undefined ? [] : ['-lost', String(options.lost)]),
    '-nostdin',
    ...(options.extraArgs ?? []),
  ];
  const child = new Child('sipp uas', bin, args, { cwd: dir });
  const stop = async (): Promise<void> => {
    await child.stop(2_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForBound(ports.sip, 5_000, () => child.alive, options.transport);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${child.report()}`);
  }
  return { port: ports.sip, ports, child, stop };
}
