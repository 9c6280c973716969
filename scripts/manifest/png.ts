/**
 * Reads a PNG's dimensions from its IHDR chunk. Only the header is inspected: the checks need the
 * size, and decoding the whole image would hide a truncated file behind a decoder error.
 */

/** What an icon path turned out to be. */
export type ImageInfo =
  | { kind: 'png'; width: number; height: number }
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string };

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Dimensions of a PNG, or why the bytes are not one. */
export function readPngSize(bytes: Uint8Array): ImageInfo {
  if (bytes.length < 24) return { kind: 'invalid', reason: `too short for a PNG header (${bytes.length} bytes)` };
  if (!signature.every((byte, index) => bytes[index] === byte)) return { kind: 'invalid', reason: 'not a PNG (bad signature)' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The first chunk must be IHDR: 4-byte length, 4-byte type, then width and height (big-endian).
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== 'IHDR') return { kind: 'invalid', reason: `first chunk is '${type}', expected IHDR` };
  return { kind: 'png', width: view.getUint32(16), height: view.getUint32(20) };
}
