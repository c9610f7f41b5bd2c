#!/usr/bin/env python3
"""Relayed G.711 calls: N calls set up over ng (offer/answer between local sockets, as
bench/yardstick/rtp-relay-load.py does) on any relay that speaks ng (rtpengine, or the built-in relay
behind bench/builtin-relay-ng.mjs), then 50 packets/s per leg (172-byte PCMU RTP) both ways for T seconds,
sent and drained by bench/rtp-sender.c processes; then the calls are deleted.

usage: relay-load.py --calls N --seconds T --relay-pid P [--ng HOST:PORT] [--senders K]
Prints one JSON object: packets sent and relayed back to the driver, loss, the sender's achieved rate and
lateness, and the relay process's CPU (all its threads) over the sending window plus its trailing backlog."""
import argparse, json, os, random, resource, socket, subprocess, sys, time
from ng_bench import cpu, media_port, ng_client, sdp

p = argparse.ArgumentParser()
p.add_argument('--calls', type=int, required=True)
p.add_argument('--seconds', type=float, required=True)
p.add_argument('--ng', default='127.0.0.1:2223')
p.add_argument('--relay-pid', type=int, required=True)
p.add_argument('--senders', type=int, default=1)
p.add_argument('--sender-bin', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '.build', 'rtp-sender'))
args = p.parse_args()
if not os.access(args.sender_bin, os.X_OK):
    sys.exit(f'{args.sender_bin} not found: gcc -O2 -Wall -o {args.sender_bin} bench/rtp-sender.c')
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.calls + 1024)), hard))

ng_cmd = ng_client(args.ng)

tag = str(os.getpid())
call_ids = [f'relay-{tag}-{i}' for i in range(args.calls)]
calls = []
t = time.time()
for cid in call_ids:
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 0)); a.setblocking(False)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(('127.0.0.1', 0)); b.setblocking(False)
    for s in (a, b): s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    off = ng_cmd({'command': 'offer', 'call-id': cid, 'from-tag': 'A', 'sdp': sdp(a.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    ans = ng_cmd({'command': 'answer', 'call-id': cid, 'from-tag': 'A', 'to-tag': 'B', 'sdp': sdp(b.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    if off.get('result') != b'ok' or ans.get('result') != b'ok': sys.exit(f'ng failed for {cid}: {off} {ans}')
    calls.append([(a, media_port(ans['sdp'])), (b, media_port(off['sdp']))])
setup_s = time.time() - t

k = max(1, min(args.senders, args.calls))
slices = [list(range(i, args.calls, k)) for i in range(k)]
slice_legs = [[(s, port, random.getrandbits(32)) for i in sl for s, port in calls[i]] for sl in slices]
t_start = time.time() + 0.5
procs = [subprocess.Popen([args.sender_bin, repr(t_start), repr(args.seconds), '1'] +
                          [f'{s.fileno()}:{port}:{ssrc}' for s, port, ssrc in legs],
                          stdout=subprocess.PIPE, pass_fds=[s.fileno() for s, _, _ in legs]) for legs in slice_legs]
while time.time() < t_start - 0.05: time.sleep(0.01)
c0 = cpu(args.relay_pid)
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
c1 = cpu(args.relay_pid)
sent = sum(r.get('sent', 0) for r in results)
relayed = sum(r.get('relayed', 0) for r in results)
elapsed = max(r.get('elapsed', 0) for r in results) or 1
for cid in call_ids:
    try: ng_cmd({'command': 'delete', 'call-id': cid, 'from-tag': 'A'})
    except OSError: pass
print(json.dumps({
    'calls': args.calls, 'seconds': args.seconds, 'setup_s': round(setup_s, 1), 'senders': k,
    'sent': sent, 'relayed': relayed, 'lost': sent - relayed, 'loss_pct': round(100 * (sent - relayed) / max(sent, 1), 3),
    'send_errors': sum(r.get('send_errors', 0) for r in results),
    'pps_offered': 100 * args.calls, 'pps_achieved': round(sent / elapsed),
    'worst_late_ms': round(max(r.get('worst_late_ms', 0) for r in results), 1),
    'driver_cpu_s': round(sum(r.get('cpu', 0) for r in results), 2),
    'relay_cpu_s': round(c1 - c0, 2), 'relay_trail_s': None if trail is None else round(trail, 2),
    'cpu_us_per_packet': round((c1 - c0) * 1e6 / max(relayed, 1), 2),
}))
