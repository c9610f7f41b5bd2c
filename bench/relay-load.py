#!/usr/bin/env python3
"""Relayed G.711 calls: N calls set up over ng (offer/answer between local sockets, as
bench/yardstick/rtp-relay-load.py does) on any relay that speaks ng (rtpengine, or the built-in relay
behind bench/builtin-relay-ng.mjs), then 50 packets/s per leg (172-byte PCMU RTP) both ways for T seconds,
sent and read back by bench/rtp-sender.c processes; then the calls are deleted.

usage: relay-load.py --calls N --seconds T --relay-pid P [--ng HOST:PORT] [--senders K] [--sockets S]
                     [--phases F] [--late-ms L]
Each sender process owns S sockets per call side (the callers' and the callees'), its calls spread over them
(S 0: a socket per leg), so that it sends a phase of the 20 ms in one system call and reads back in
batches: a generator that does not take the core the relay needs. Its streams are spread over F phases of the
20 ms (calls do not all start at once) and every packet carries its send time, so what comes back is counted
per stream: lost (not back 0.5 s after the last send), late (back after L ms), one-way delay through the relay.
Prints one JSON object: packets sent and relayed back, loss, lateness, the sender's achieved rate, CPU
(the relay process's, all threads, over the sending window plus its trailing backlog; the senders'),
the time the relay's threads spent runnable but waiting for a core, the kernel's receive-buffer drops at the
relay's sockets and at the generator's, and the load average."""
import argparse, json, os, random, resource, socket, subprocess, sys, time
from ng_bench import cpu, media_port, ng_client, sdp

p = argparse.ArgumentParser()
p.add_argument('--calls', type=int, required=True)
p.add_argument('--seconds', type=float, required=True)
p.add_argument('--ng', default='127.0.0.1:2223')
p.add_argument('--relay-pid', type=int, required=True)
p.add_argument('--senders', type=int, default=1)
p.add_argument('--sockets', type=int, default=4, help='sockets per call side per sender (0: one per leg)')
p.add_argument('--phases', type=int, default=20, help='sub-ticks of the 20 ms the streams are spread over')
p.add_argument('--late-ms', type=float, default=60)
p.add_argument('--sender-rt', type=int, default=0,
               help='run the senders at this SCHED_FIFO priority (1-99, needs root; 0: as the driver)')
p.add_argument('--sender-bin', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '.build', 'rtp-sender'))
args = p.parse_args()
if not 0 <= args.sender_rt <= 99: p.error('--sender-rt: a SCHED_FIFO priority 1-99, or 0 for none')
if not os.access(args.sender_bin, os.X_OK):
    sys.exit(f'{args.sender_bin} not found: gcc -O2 -Wall -o {args.sender_bin} bench/rtp-sender.c')
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.calls + 1024)), hard))

SO_RCVBUFFORCE = getattr(socket, 'SO_RCVBUFFORCE', 33)

def udp_socket(rcvbuf):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.setblocking(False)
    try: s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)   # past net.core.rmem_max (CAP_NET_ADMIN)
    except PermissionError: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    return s

def udp_drops():
    """Datagrams the kernel dropped at each bound IPv4 UDP port of this network namespace (full receive buffer)."""
    out = {}
    with open('/proc/net/udp') as f:
        next(f)
        for line in f:
            col = line.split()
            port = int(col[1].split(':')[1], 16)
            out[port] = out.get(port, 0) + int(col[12])
    return out

def run_delay(pid):
    """Seconds the process's threads have spent runnable but waiting for a core (/proc/PID/task/*/schedstat)."""
    total = 0
    try: tasks = os.listdir(f'/proc/{pid}/task')
    except OSError: return 0.0
    for tid in tasks:
        try: total += int(open(f'/proc/{pid}/task/{tid}/schedstat').read().split()[1])
        except (OSError, IndexError, ValueError): pass
    return total / 1e9

def realtime():
    # The sender sleeps between its 1 ms sub-ticks and needs ~0.4 cores at 100,000 packets/s: as a real-time
    # task it sends and reads back on time whatever else runs, so its lateness is not counted as the relay's.
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(args.sender_rt))

ng_cmd = ng_client(args.ng)
k = max(1, min(args.senders, args.calls))
per_sender = -(-args.calls // k)
n_sockets = args.sockets if args.sockets > 0 else per_sender
# a pooled socket takes 1/n of a sender's 50 * 2 * calls packets/s: room for 0.5 s of them, doubled by the kernel
pool_buf = min(64 << 20, max(1 << 16, 100 * per_sender * 600 // n_sockets))
pools = [([udp_socket(pool_buf) for _ in range(n_sockets)], [udp_socket(pool_buf) for _ in range(n_sockets)])
         if args.sockets > 0 else None for _ in range(k)]

tag = str(os.getpid())
call_ids = [f'relay-{tag}-{i}' for i in range(args.calls)]
calls = []
own = []
t = time.time()
for i, cid in enumerate(call_ids):
    pool = pools[i % k]
    if pool is None:
        a, b = udp_socket(1 << 16), udp_socket(1 << 16)
    else:
        j = (i // k) % n_sockets
        a, b = pool[0][j], pool[1][j]
    off = ng_cmd({'command': 'offer', 'call-id': cid, 'from-tag': 'A', 'sdp': sdp(a.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    ans = ng_cmd({'command': 'answer', 'call-id': cid, 'from-tag': 'A', 'to-tag': 'B', 'sdp': sdp(b.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    if off.get('result') != b'ok' or ans.get('result') != b'ok': sys.exit(f'ng failed for {cid}: {off} {ans}')
    calls.append([(a, media_port(ans['sdp'])), (b, media_port(off['sdp']))])
setup_s = time.time() - t

slices = [list(range(i, args.calls, k)) for i in range(k)]
ssrcs = random.sample(range(1, 1 << 32), 2 * args.calls)   # distinct: the sender tells streams apart by SSRC
slice_legs = [[(s, port, ssrcs[2 * i + n]) for i in sl for n, (s, port) in enumerate(calls[i])] for sl in slices]
driver_ports = {s.getsockname()[1] for legs in slice_legs for s, _, _ in legs}
load_before = os.getloadavg()[0]
drops0 = udp_drops()
t_start = time.time() + 0.5
def spawn(legs):
    try:
        return subprocess.Popen([args.sender_bin, '-p', str(args.phases), '-m', '-l', str(args.late_ms),
                                 repr(t_start), repr(args.seconds), '1'] +
                                [f'{s.fileno()}:{port}:{ssrc}' for s, port, ssrc in legs],
                                stdout=subprocess.PIPE, pass_fds=sorted({s.fileno() for s, _, _ in legs}),
                                preexec_fn=realtime if args.sender_rt else None)
    except subprocess.SubprocessError as e:
        sys.exit(f'--sender-rt {args.sender_rt}: the sender could not be made real-time ({e}); '
                 'it needs root or CAP_SYS_NICE, or leave --sender-rt at 0')
procs = [spawn(legs) for legs in slice_legs]
while time.time() < t_start - 0.05: time.sleep(0.01)
c0 = cpu(args.relay_pid); w0 = run_delay(args.relay_pid)
results = []
for proc in procs:
    text = proc.stdout.read(); proc.wait()
    results.append(json.loads(text or b'{}'))
# The relay may trail the sender (the kernel's socket buffers hold its backlog): wait until it spends
# under 2% of a core over 250 ms, at most 15 s. The sender drained for 0.5 s after its window.
t_sent = time.time(); prev = cpu(args.relay_pid); trail = None
while trail is None and time.time() - t_sent < 15:
    time.sleep(0.25); now_cpu = cpu(args.relay_pid)
    if now_cpu - prev < 0.005: trail = time.time() - t_sent - 0.25
    prev = now_cpu
c1 = cpu(args.relay_pid); w1 = run_delay(args.relay_pid)
drops1 = udp_drops()
load_after = os.getloadavg()[0]
dropped = {port: n - drops0.get(port, 0) for port, n in drops1.items()}
sent = sum(r.get('sent', 0) for r in results)
relayed = sum(r.get('relayed', 0) for r in results)
elapsed = max(r.get('elapsed', 0) for r in results) or 1
for cid in call_ids:
    try: ng_cmd({'command': 'delete', 'call-id': cid, 'from-tag': 'A'})
    except OSError: pass
driver_cpu = sum(r.get('cpu', 0) for r in results)
print(json.dumps({
    'calls': args.calls, 'seconds': args.seconds, 'setup_s': round(setup_s, 1), 'senders': k,
    'sockets': n_sockets * 2 * k, 'phases': args.phases,
    'sent': sent, 'relayed': relayed, 'lost': sent - relayed, 'loss_pct': round(100 * (sent - relayed) / max(sent, 1), 3),
    'send_errors': sum(r.get('send_errors', 0) for r in results),
    'pps_offered': 100 * args.calls, 'pps_achieved': round(sent / elapsed), 'pps_received': round(relayed / elapsed),
    'worst_late_ms': round(max(r.get('worst_late_ms', 0) for r in results), 1),
    'streams': sum(r.get('streams', 0) for r in results),
    'streams_lossy': sum(r.get('streams_lossy', 0) for r in results),
    'worst_stream_loss': max(r.get('worst_stream_loss', 0) for r in results),
    'late': sum(r.get('late', 0) for r in results), 'late_ms': args.late_ms,
    'streams_late': sum(r.get('streams_late', 0) for r in results),
    'unknown': sum(r.get('unknown', 0) for r in results),
    'delay_p50_ms': max(r.get('delay_p50_ms', 0) for r in results),
    'delay_p99_ms': max(r.get('delay_p99_ms', 0) for r in results),
    'delay_max_ms': max(r.get('delay_max_ms', 0) for r in results),
    'driver_cpu_s': round(driver_cpu, 2), 'driver_cores': round(driver_cpu / elapsed, 2),
    'relay_cpu_s': round(c1 - c0, 2), 'relay_trail_s': None if trail is None else round(trail, 2),
    'relay_cores': round((c1 - c0) / (elapsed + (trail or 0)), 2),
    'relay_runqueue_wait_s': round(w1 - w0, 2),
    'cpu_us_per_packet': round((c1 - c0) * 1e6 / max(relayed, 1), 2),
    'relay_socket_drops': sum(n for port, n in dropped.items() if port not in driver_ports),
    'driver_socket_drops': sum(n for port, n in dropped.items() if port in driver_ports),
    'load_avg': [round(load_before, 1), round(load_after, 1)],
}))
