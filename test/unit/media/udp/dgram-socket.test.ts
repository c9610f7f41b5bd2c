import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { canSend } from '../../../../src/media/udp/datagram-socket.js';
import { bindDgramSocket } from '../../../../src/media/udp/dgram-socket.js';
import { until } from '../../../support/until.js';

/** A plain receiver on an ephemeral loopback port, collecting what arrives. */
async function sink(): Promise<{ port: number; got: string[]; close: () => void }> {
  const socket = createSocket('udp4');
  const got: string[] = [];
  socket.on('message', (data) => got.push(data.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, got, close: () => socket.close() };
}

describe('node:dgram relay socket: address lookup', () => {
  it('sends to IP literals (answered at once, the same one repeatedly) and still resolves a host name', async () => {
    const to = await sink();
    const socket = await bindDgramSocket(0, '127.0.0.1', undefined);
    if (socket === undefined || !canSend(socket)) throw new Error('no socket');
    socket.send(Buffer.from('one'), to.port, '127.0.0.1');
    socket.send(Buffer.from('two'), to.port, '127.0.0.1');
    socket.send(Buffer.from('three'), to.port, 'localhost');
    socket.send(Buffer.from('four'), to.port, '127.0.0.1');
    await until(() => to.got.length === 4, 1000, 'the four datagrams');
    expect(to.got.sort()).toEqual(['four', 'one', 'three', 'two']);
    expect(socket.sendErrors).toBe(0);
    await socket.close();
    to.close();
  });

  it('counts a send to a name that does not resolve as a send error instead of throwing', async () => {
    const socket = await bindDgramSocket(0, '127.0.0.1', undefined);
    if (socket === undefined || !canSend(socket)) throw new Error('no socket');
    socket.send(Buffer.from('x'), 9, 'no-such-host.invalid');
    await until(() => socket.sendErrors === 1, 1000, 'the send error counted');
    expect(socket.sendErrors).toBe(1);
    await socket.close();
  });
});
