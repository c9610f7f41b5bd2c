#!/usr/bin/env python3
"""Recorded calls through rtpengine: N G.711 calls set up over ng (offer/answer between local sockets, as
bench/yardstick/rtp-relay-load.py does), optionally one Switchboard recording per call (POST /v1/recordings:
the node asks rtpengine to fork both legs to it), then 50 packets/s per leg (172-byte PCMU RTP) for T seconds,
then every recording stopped and its metadata read.

usage: recording-load.py --calls N --seconds T --node-pid P --rtpengine-pid P [--record --api URL --key KEY]
       [--senders K] [--no-drain] [--sender-bin PATH|python]
Prints one JSON object on stdout: packets sent/relayed/recorded, loss, and CPU seconds of Switchboard, rtpengine
and the driver itself over the sending window only (setup, start, stop and metadata reads are outside it).

Sending is split over --senders processes (calls divided between them), each running bench/rtp-sender.c (built to
--sender-bin, default bench/.build/rtp-sender) on its legs' inherited sockets: it paces them on a 20 ms tick and
drains the relayed packets with epoll; their achieved rate and worst lateness are reported so a generator that
cannot keep up shows as such, not as loss. --sender-bin python runs the former Python loop in forked processes
instead (at 50,000 packets/s through rtpengine on 2 cores: ~0.4 cores against the C sender's ~0.1)."""
import argparse, http.client, json, os, random, resource, select, socket, struct, subprocess, sys, threading, time
from ng_bench import cpu, media_port, ng_client, sdp
from concurrent.futures import ThreadPoolExecutor

p = argparse.ArgumentParser()
p.add_argument('--calls', type=int, required=True)
p.add_argument('--seconds', type=float, required=True)
p.add_argument('--ng', default='127.0.0.1:2223')
p.add_argument('--record', action='store_true', help='start a recording per call through the API')
p.add_argument('--api', default='http://127.0.0.1:18089')
p.add_argument('--key', default='')
p.add_argument('--node-pid', type=int, default=0)
p.add_argument('--rtpengine-pid', type=int, default=0)
p.add_argument('--concurrency', type=int, default=20, help='API requests in flight')
p.add_argument('--senders', type=int, default=2, help='sending processes')
p.add_argument('--tag', default=str(os.getpid()))
p.add_argument('--no-drain', action='store_true',
               help='leave the relayed packets unread (the kernel drops them at the full socket buffer): halves the driver\'s CPU')
p.add_argument('--sender-bin', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '.build', 'rtp-sender'),
               help='the compiled bench/rtp-sender.c (default bench/.build/rtp-sender), or "python" for the old Python loop')
args = p.parse_args()
sender_bin = args.sender_bin
if sender_bin != 'python' and not os.access(sender_bin, os.X_OK):
    sys.exit(f'{sender_bin} not found: gcc -O2 -Wall -o {sender_bin} '
             f'{os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtp-sender.c")} (or --sender-bin python)')

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.calls + 1024)), hard))

def log(msg): print(f'  [driver] {msg}', file=sys.stderr, flush=True)

ng_cmd = ng_client(args.ng)

# --- calls through rtpengine ---
call_ids = [f'rec-{args.tag}-{i}' for i in range(args.calls)]
calls = []   # per call: [(socket, rtpengine port it sends to), (socket, port)]
t = time.time()
for cid in call_ids:
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 0)); a.setblocking(False)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(('127.0.0.1', 0)); b.setblocking(False)
    off = ng_cmd({'command': 'offer', 'call-id': cid, 'from-tag': 'A', 'sdp': sdp(a.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    ans = ng_cmd({'command': 'answer', 'call-id': cid, 'from-tag': 'A', 'to-tag': 'B', 'sdp': sdp(b.getsockname()[1]),
                  'replace': ['origin', 'session-connection']})
    if off.get('result') != b'ok' or ans.get('result') != b'ok': sys.exit(f'ng failed for {cid}: {off} {ans}')
    calls.append([(a, media_port(ans['sdp'])), (b, media_port(off['sdp']))])
log(f'{args.calls} calls set up through rtpengine in {time.time() - t:.1f} s')

# --- recordings through Switchboard's API ---
api = args.api.split('://', 1)[1]
local = threading.local()
api_errors = []
def request(method, path, body=None):
    for attempt in range(2):
        conn = getattr(local, 'conn', None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(api, timeout=30)
        try:
            headers = {'Authorization': f'Bearer {args.key}'}
            data = None
            if body is not None:
                data = json.dumps(body).encode(); headers['Content-Type'] = 'application/json'
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse(); text = r.read()
            return r.status, (json.loads(text) if text else None)
        except (OSError, http.client.HTTPException) as e:
            conn.close(); local.conn = None
            if attempt: return 0, {'error': repr(e)}

def start_recording(cid):
    status, body = request('POST', '/v1/recordings', {'callId': cid, 'mediaServer': args.ng})
    if status != 201: api_errors.append(('start', cid, status, body)); return None
    return body['id']
def stop_and_read(rid):
    status, body = request('POST', f'/v1/recordings/{rid}/stop')
    if status != 200: api_errors.append(('stop', rid, status, body))
    status, meta = request('GET', f'/v1/recordings/{rid}/metadata')
    if status != 200: api_errors.append(('metadata', rid, status, meta)); return None
    return meta

rec_ids = [None] * args.calls
start_s = 0.0
if args.record:
    t = time.time()
    with ThreadPoolExecutor(args.concurrency) as pool:
        rec_ids = list(pool.map(start_recording, call_ids))
    start_s = time.time() - t
    log(f'{sum(1 for r in rec_ids if r)} recordings started in {start_s:.1f} s, {len(api_errors)} API errors')

# --- the sending window: K senders, calls split between them ---
# The loop runs in bench/rtp-sender.c: in Python it took ~0.4 of the 2 cores at 50,000 packets/s, CPU that the
# measured processes need (C: ~0.1). --sender-bin python keeps the Python loop for comparison.
def sender_py(legs, t_start, seconds, w):
    ep = select.epoll()
    if not args.no_drain:
        for s, _, _ in legs: ep.register(s.fileno(), select.EPOLLIN)
    legs = [(s, ('127.0.0.1', port), bytearray(172), ssrc) for s, port, ssrc in legs]
    by_fd = {s.fileno(): s for s, _, _, _ in legs}
    sent = recv = ticks = 0; worst_late = 0.0
    pack = struct.pack_into
    while time.time() < t_start: time.sleep(0.001)
    cpu0 = os.times(); nxt = t_start
    total_ticks = round(seconds * 50)
    while ticks < total_ticks:
        now = time.time()
        late = now - nxt
        if late > worst_late: worst_late = late
        ticks += 1; seq = ticks & 0xffff; ts = (ticks * 160) & 0xffffffff
        for s, dst, pkt, ssrc in legs:
            pack('!BBHII', pkt, 0, 0x80, 0, seq, ts, ssrc)
            s.sendto(pkt, dst)
        sent += len(legs)
        nxt += 0.02
        if args.no_drain:
            wait = nxt - time.time()
            if wait > 0: time.sleep(wait)
            continue
        while True:
            wait = nxt - time.time()
            for fd, _ in ep.poll(max(0.0, wait)):
                s = by_fd[fd]
                try:
                    while True: s.recv(2048); recv += 1
                except BlockingIOError: pass
            if wait <= 0: break
    elapsed = time.time() - t_start
    end = time.time() + 0.5   # let rtpengine and the recorder finish what is queued
    while time.time() < end:
        if args.no_drain: time.sleep(0.05); continue
        for fd, _ in ep.poll(0.1):
            s = by_fd[fd]
            try:
                while True: s.recv(2048); recv += 1
            except BlockingIOError: pass
    cpu1 = os.times()
    w.write(json.dumps({'ticks': ticks, 'sent': sent, 'send_errors': 0, 'relayed': recv, 'elapsed': elapsed,
                        'worst_late_ms': worst_late * 1000,
                        'cpu': (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)}).encode())
    w.close()

# Each returns (stream the sender's JSON comes on, wait() -> exit status).
def spawn_py(legs, t_start, seconds):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try: sender_py(legs, t_start, seconds, os.fdopen(w, 'wb'))
        finally: os._exit(0)
    os.close(w)
    return os.fdopen(r, 'rb'), lambda: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
def spawn_c(legs, t_start, seconds):
    # The legs' sockets are inherited under their own numbers (pass_fds); everything else is closed in the child.
    proc = subprocess.Popen([sender_bin, repr(t_start), repr(seconds), '0' if args.no_drain else '1'] +
                            [f'{s.fileno()}:{port}:{ssrc}' for s, port, ssrc in legs],
                            stdout=subprocess.PIPE, pass_fds=[s.fileno() for s, _, _ in legs])
    return proc.stdout, proc.wait

k = max(1, min(args.senders, args.calls))
slices = [list(range(i, args.calls, k)) for i in range(k)]
# per slice: (socket, rtpengine port, SSRC) of each leg of its calls
slice_legs = [[(s, port, random.getrandbits(32)) for i in sl for s, port in calls[i]] for sl in slices]
if args.no_drain:   # unread, the relayed packets pile up to the buffer and are then dropped by the kernel
    for legs in slice_legs:
        for s, _, _ in legs: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
spawn = spawn_py if sender_bin == 'python' else spawn_c
t_start = time.time() + 0.5
kids = [spawn(legs, t_start, args.seconds) + (sl,) for legs, sl in zip(slice_legs, slices)]
while time.time() < t_start - 0.05: time.sleep(0.01)
c0 = (cpu(args.node_pid), cpu(args.rtpengine_pid))
results = []
for r, wait, sl in kids:
    text = r.read(); r.close(); status = wait()
    # a failed sender is reported and counted as sending nothing: the step then misses its offered rate
    if status != 0 or not text.strip(): log(f'sender for {len(sl)} calls failed (exit status {status})')
    results.append((json.loads(text or b'{}'), sl))
# The window ends when rtpengine and the recorder have worked off what is queued (on a loaded machine
# they trail the sender by seconds, the kernel's socket buffers holding the backlog): each process is
# done when it spends under 2% of a core over 250 ms; at most 15 s.
t_sent = time.time()
sent_cpu = (cpu(args.node_pid), cpu(args.rtpengine_pid))
trail = [None if pid else 0.0 for pid in (args.node_pid, args.rtpengine_pid)]
prev = list(sent_cpu)
while None in trail and time.time() - t_sent < 15:
    time.sleep(0.25)
    for j, pid in enumerate((args.node_pid, args.rtpengine_pid)):
        now_cpu = cpu(pid)
        if trail[j] is None and now_cpu - prev[j] < 0.005: trail[j] = time.time() - t_sent - 0.25
        prev[j] = now_cpu
settle = time.time() - t_sent
c1 = (cpu(args.node_pid), cpu(args.rtpengine_pid))
window = time.time() - t_start
ticks_of = {}
for res, sl in results:
    for i in sl: ticks_of[i] = res.get('ticks', 0)
sent = sum(res.get('sent', 0) for res, _ in results)
relayed = sum(res.get('relayed', 0) for res, _ in results)
send_errors = sum(res.get('send_errors', 0) for res, _ in results)
send_elapsed = max(res.get('elapsed', 0) for res, _ in results)
out = {
    'calls': args.calls, 'legs': 2 * args.calls, 'seconds': args.seconds, 'record': args.record,
    'senders': k, 'drain': not args.no_drain, 'sent': sent, 'send_errors': send_errors, 'relayed': relayed,
    'pps_offered': 100 * args.calls,
    'pps_achieved': round(sent / send_elapsed) if send_elapsed else 0,
    'worst_late_ms': round(max(res.get('worst_late_ms', 0) for res, _ in results), 1),
    'driver_cpu_s': round(sum(res.get('cpu', 0) for res, _ in results), 2),
    'window_s': round(window, 2), 'settle_s': round(settle, 2),
    'node_trail_s': None if trail[0] is None else round(trail[0], 2),
    'rtpengine_trail_s': None if trail[1] is None else round(trail[1], 2),
    'node_cpu_trailing_s': round(c1[0] - sent_cpu[0], 2), 'rtpengine_cpu_trailing_s': round(c1[1] - sent_cpu[1], 2),
    'node_cpu_s': round(c1[0] - c0[0], 2), 'rtpengine_cpu_s': round(c1[1] - c0[1], 2),
    'recordings_started': sum(1 for r in rec_ids if r), 'recording_start_s': round(start_s, 1),
}

# --- stop every recording, read its metadata ---
if args.record:
    t = time.time()
    with ThreadPoolExecutor(args.concurrency) as pool:
        metas = list(pool.map(lambda r: stop_and_read(r) if r else None, rec_ids))
    log(f'recordings stopped and read in {time.time() - t:.1f} s')
    recorded = expected = seq_lost = dup = malformed = dropped_source = dropped_malformed = 0
    short_legs = 0; legs_seen = 0; statuses = {}
    for i, meta in enumerate(metas):
        exp_leg = ticks_of[i]
        if not meta:
            expected += 2 * exp_leg; continue
        statuses[meta.get('status', '?')] = statuses.get(meta.get('status', '?'), 0) + 1
        stats = meta.get('statistics') or []
        for leg in stats:
            legs_seen += 1
            recorded += leg.get('packets', 0); seq_lost += leg.get('lost', 0)
            dup += leg.get('duplicates', 0); malformed += leg.get('malformed', 0)
            if leg.get('packets', 0) < exp_leg: short_legs += 1
        for rc in meta.get('receivers') or []:
            dropped_source += rc.get('droppedSource', 0); dropped_malformed += rc.get('droppedMalformed', 0)
        expected += 2 * exp_leg
    out.update({'expected': expected, 'recorded': recorded, 'lost': expected - recorded,
                'legs_recorded': legs_seen, 'legs_short': short_legs, 'seq_lost': seq_lost,
                'duplicates': dup, 'malformed': malformed, 'dropped_source': dropped_source,
                'dropped_malformed': dropped_malformed, 'statuses': statuses})

out['api_errors'] = len(api_errors)
for e in api_errors[:5]: log(f'API error: {e}')
for cid in call_ids:
    try: ng_cmd({'command': 'delete', 'call-id': cid, 'from-tag': 'A'})
    except OSError: pass
print(json.dumps(out))
