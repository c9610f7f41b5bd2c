"""What the ng load drivers (relay-load.py, recording-load.py) share: rtpengine's ng protocol
(bencode over UDP, "<cookie> <bencoded dict>"), a one-stream G.711 SDP, and a process's CPU seconds."""
import os, random, socket

def benc(x):
    if isinstance(x, int): return b'i%de' % x
    if isinstance(x, str): x = x.encode()
    if isinstance(x, bytes): return b'%d:%s' % (len(x), x)
    if isinstance(x, list): return b'l' + b''.join(benc(i) for i in x) + b'e'
    if isinstance(x, dict): return b'd' + b''.join(benc(k) + benc(v) for k, v in sorted(x.items())) + b'e'

def bdec(b, i=0):
    c = b[i:i+1]
    if c == b'i': j = b.index(b'e', i); return int(b[i+1:j]), j + 1
    if c == b'l':
        out, i = [], i + 1
        while b[i:i+1] != b'e': v, i = bdec(b, i); out.append(v)
        return out, i + 1
    if c == b'd':
        out, i = {}, i + 1
        while b[i:i+1] != b'e': k, i = bdec(b, i); v, i = bdec(b, i); out[k.decode()] = v
        return out, i + 1
    j = b.index(b':', i); n = int(b[i:j]); return b[j+1:j+1+n], j + 1 + n

def ng_client(address):
    """A function sending one ng command to HOST:PORT and returning its decoded answer."""
    host, port = address.rsplit(':', 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sock.settimeout(3)
    def command(d):
        cookie = b'%08x' % random.getrandbits(32)
        sock.sendto(cookie + b' ' + benc(d), (host, int(port)))
        while True:
            data, _ = sock.recvfrom(65535)
            if data.startswith(cookie + b' '): return bdec(data[len(cookie) + 1:])[0]
    return command

def sdp(port):
    return (f'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
            f'm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n')

def media_port(sdp_bytes):
    for line in sdp_bytes.decode().split('\r\n'):
        if line.startswith('m=audio '): return int(line.split()[1])

def cpu(pid):
    """User plus system CPU seconds of a process and all its threads (0 when it is gone or unnamed)."""
    if not pid: return 0.0
    try:
        f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
    except OSError:
        return 0.0
