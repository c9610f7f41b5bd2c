#!/usr/bin/env node
// CPU to seal and open one TLS 1.3 record in our record layer (src/sip/transport/tls13-records.ts,
// built into dist/), in-process: what tls.engine native spends per record after the handshake.
// usage: node bench/tls13-record-cost.mjs [BYTES=600] [RECORDS=100000]   (npm run build first)
import { Tls13Records } from '../dist/sip/transport/tls13-records.js';

const bytes = Number(process.argv[2] ?? 600);
const records = Number(process.argv[3] ?? 100_000);
for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  const length = suite.endsWith('SHA384') ? 48 : 32;
  const clientSecret = Buffer.alloc(length, 1);
  const serverSecret = Buffer.alloc(length, 2);
  const server = new Tls13Records(suite, clientSecret, serverSecret);
  const client = new Tls13Records(suite, serverSecret, clientSecret);
  const message = Buffer.alloc(bytes, 0x41);
  for (let i = 0; i < 2000; i++) client.receive(server.seal(message)[0]);
  const start = process.cpuUsage();
  for (let i = 0; i < records; i++) client.receive(server.seal(message)[0]);
  const used = process.cpuUsage(start);
  console.log(
    `${suite}: seal + open of a ${bytes}-byte record ${((used.user + used.system) / records).toFixed(2)} us CPU`,
  );
}
