export { BufferedFile, type BufferedFileOptions } from './buffered-file.js';
export { parseWav, readWav, type WavData } from './reader.js';
export { WavWriter, wavHeader } from './writer.js';
