export {
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  PcapWriter,
  type PcapWriterOptions,
  type UdpEndpoints,
} from './writer.js';
