/**
 * A relay worker thread: runs one RelayEngine and answers the signalling thread's requests
 * (src/media/relay/builtin/protocol.ts). Media never waits on signalling, nor signalling on media
 * beyond these replies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RelayEngine } from './engine.js';
import type { WorkerMessage, WorkerOptions, WorkerRequest } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('relay worker started outside a worker thread');
const engine = new RelayEngine(
  workerData as WorkerOptions,
  (event) => port.postMessage({ kind: 'event', event } satisfies WorkerMessage),
  Date.now,
  (message) => port.postMessage({ kind: 'warning', message } satisfies WorkerMessage),
);

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'allocate':
      return engine.allocate(request.count);
    case 'configure':
      return engine.configure(request.id, request.config);
    case 'stats':
      return engine.stats(request.ids);
    case 'release':
      return engine.release(request.ids);
    case 'counters':
      return engine.counters;
    case 'certificate':
      return engine.setCertificate(request.certPem, request.keyPem);
    case 'close':
      await engine.close();
      return undefined;
  }
}

port.on('message', (message: { seq: number; request: WorkerRequest }) => {
  handle(message.request).then(
    (result) => port.postMessage({ kind: 'reply', seq: message.seq, result } satisfies WorkerMessage),
    (error: unknown) =>
      port.postMessage({
        kind: 'reply',
        seq: message.seq,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      } satisfies WorkerMessage),
  );
});
