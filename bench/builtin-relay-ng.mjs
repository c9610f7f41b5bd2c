// The built-in media relay behind an ng control socket, so that the benchmark drives it and rtpengine
// with the same load script (bench/relay-load.py): offer, answer, delete, query and ping, the subset the
// driver uses. A bench tool, not a product feature: the node hands its relay to the B2BUA in-process.
// usage: node bench/builtin-relay-ng.mjs NG_PORT PORT_MIN PORT_MAX [WORKERS=0]   (run npm run build first)
import { createSocket } from 'node:dgram';

const [ngPort, portMin, portMax, workers = '0'] = process.argv.slice(2).map(Number);
if (!ngPort || !portMin || !portMax) {
  console.error('usage: node bench/builtin-relay-ng.mjs NG_PORT PORT_MIN PORT_MAX [WORKERS]');
  process.exit(2);
}
const { createBuiltinMediaRelay } = await import('../dist/media/relay/index.js');
const { decodeBencode, encodeBencode, bencodeToText } = await import('../dist/media/ng/index.js');
const relay = createBuiltinMediaRelay({
  address: '127.0.0.1',
  portMin,
  portMax,
  timeoutMs: 60_000,
  workers,
});
const socket = createSocket('udp4');

async function handle(d) {
  const base = { callId: d['call-id'], fromTag: d['from-tag'], sdp: d.sdp };
  switch (d.command) {
    case 'ping':
      return { result: 'pong' };
    case 'offer':
      return { result: 'ok', sdp: (await relay.offer(base)).sdp };
    case 'answer':
      return { result: 'ok', sdp: (await relay.answer({ ...base, toTag: d['to-tag'] })).sdp };
    case 'delete':
      await relay.delete({ callId: d['call-id'] });
      return { result: 'ok' };
    case 'query': {
      const stats = await relay.query(d['call-id']);
      return { result: 'ok', streams: JSON.stringify(stats?.streams ?? []) };
    }
    case 'statistics':
      return { result: 'ok', counters: JSON.stringify(await relay.counters()) };
    default:
      return { result: 'error', 'error-reason': `unsupported command ${d.command}` };
  }
}

socket.on('message', (data, rinfo) => {
  const space = data.indexOf(0x20);
  const cookie = data.subarray(0, space);
  let request;
  try {
    request = bencodeToText(decodeBencode(data.subarray(space + 1)));
  } catch {
    return;
  }
  handle(request)
    .catch((error) => ({ result: 'error', 'error-reason': error.message }))
    .then((reply) =>
      socket.send(Buffer.concat([cookie, Buffer.from(' '), encodeBencode(reply)]), rinfo.port, rinfo.address),
    );
});
socket.bind(ngPort, '127.0.0.1', () =>
  console.error(`builtin relay: ng on 127.0.0.1:${ngPort}, pid ${process.pid}`),
);
const stop = async () => {
  await relay.close();
  socket.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
