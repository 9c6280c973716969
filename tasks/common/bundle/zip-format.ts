/**
 * The byte layout of the zip records a release bundle uses (PKWARE APPNOTE 6.3): local headers with
 * a trailing data descriptor, central directory entries, and the end records, with ZIP64 forms
 * where sizes or offsets pass 4 GiB. Every entry gets the same time, date, mode and flags, so the
 * records depend only on names, contents and positions.
 */

const max32 = 0xffffffff;
const max16 = 0xffff;

/** General purpose flags: bit 3 (sizes and CRC follow the data) and bit 11 (UTF-8 names). */
const flags = 0x0808;
const deflateMethod = 8;
/** 1980-01-01 00:00, the first DOS date; the time is 00:00:00. */
const dosDate = (0 << 9) | (1 << 5) | 1;
const dosTime = 0;
/** Made by Unix (3) with spec 6.3, so readers take the mode from the external attributes. */
const versionMadeBy = (3 << 8) | 63;
const versionNeeded = 20;
const versionNeededZip64 = 45;
/** Regular file, rw-r--r--. */
const externalAttributes = (0o100644 << 16) >>> 0;

/** What the central directory records about one written entry. */
export interface ZipEntryRecord {
  /** UTF-8 bytes of the entry name. */
  name: Buffer;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the local header from the start of the zip. */
  offset: number;
  /** Whether the local header and data descriptor use the ZIP64 forms. */
  zip64: boolean;
}

/** Sizes an entry of this uncompressed size may reach (deflate can grow data slightly) need ZIP64 from the start. */
export function needsZip64(uncompressedSize: number): boolean {
  return uncompressedSize >= 0xf0000000;
}

/** The local header, written before the data; CRC and sizes come in the data descriptor. */
export function localHeader(name: Buffer, zip64: boolean): Buffer {
  const extra = zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(zip64 ? versionNeededZip64 : versionNeeded, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(deflateMethod, 8);
  header.writeUInt16LE(dosTime, 10);
  header.writeUInt16LE(dosDate, 12);
  // CRC-32 and sizes stay 0 here (bit 3); with ZIP64 the sizes are 0xFFFFFFFF and the extra field holds zeros.
  header.writeUInt32LE(zip64 ? max32 : 0, 18);
  header.writeUInt32LE(zip64 ? max32 : 0, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

/** The data descriptor that follows an entry's data. */
export function dataDescriptor(entry: Pick<ZipEntryRecord, 'crc32' | 'compressedSize' | 'uncompressedSize' | 'zip64'>): Buffer {
  const descriptor = Buffer.alloc(entry.zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(entry.crc32 >>> 0, 4);
  if (entry.zip64) {
    descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(entry.uncompressedSize), 16);
  } else {
    descriptor.writeUInt32LE(entry.compressedSize, 8);
    descriptor.writeUInt32LE(entry.uncompressedSize, 12);
  }
  return descriptor;
}

/** The central directory entry of a written entry. */
export function centralDirectoryEntry(entry: ZipEntryRecord): Buffer {
  const large = [entry.uncompressedSize, entry.compressedSize, entry.offset].map((value) => value >= max32);
  const extraValues = [entry.uncompressedSize, entry.compressedSize, entry.offset].filter((_value, index) => large[index]);
  const extra = extraValues.length > 0 ? zip64Extra(extraValues) : Buffer.alloc(0);
  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(versionMadeBy, 4);
  record.writeUInt16LE(entry.zip64 || extraValues.length > 0 ? versionNeededZip64 : versionNeeded, 6);
  record.writeUInt16LE(flags, 8);
  record.writeUInt16LE(deflateMethod, 10);
  record.writeUInt16LE(dosTime, 12);
  record.writeUInt16LE(dosDate, 14);
  record.writeUInt32LE(entry.crc32 >>> 0, 16);
  record.writeUInt32LE(large[1] ? max32 : entry.compressedSize, 20);
  record.writeUInt32LE(large[0] ? max32 : entry.uncompressedSize, 24);
  record.writeUInt16LE(entry.name.length, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt16LE(0, 32);
  record.writeUInt16LE(0, 34);
  record.writeUInt16LE(0, 36);
  record.writeUInt32LE(externalAttributes, 38);
  record.writeUInt32LE(large[2] ? max32 : entry.offset, 42);
  return Buffer.concat([record, entry.name, extra]);
}

/** The end records: ZIP64 end record and locator when counts or offsets need them, then the classic end record. */
export function endOfCentralDirectory(entryCount: number, directoryOffset: number, directorySize: number, forceZip64 = false): Buffer {
  const zip64 = forceZip64 || entryCount >= max16 || directoryOffset >= max32 || directorySize >= max32;
  const records: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(versionMadeBy, 12);
    record.writeUInt16LE(versionNeededZip64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(entryCount), 24);
    record.writeBigUInt64LE(BigInt(entryCount), 32);
    record.writeBigUInt64LE(BigInt(directorySize), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
    locator.writeUInt32LE(1, 16);
    records.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? max16 : entryCount, 8);
  end.writeUInt16LE(zip64 ? max16 : entryCount, 10);
  end.writeUInt32LE(zip64 ? max32 : directorySize, 12);
  end.writeUInt32LE(zip64 ? max32 : directoryOffset, 16);
  end.writeUInt16LE(0, 20);
  records.push(end);
  return Buffer.concat(records);
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, index) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * index));
  return extra;
}
