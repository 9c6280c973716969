/** Reads a .vsix (a zip) into memory for assertions. */
import * as yauzl from 'yauzl';

/** Entry name → contents. */
export async function readVsix(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const entries = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return entries;
}

/** A JSON entry of the vsix, parsed. */
export function jsonEntry(entries: Map<string, Buffer>, name: string): Record<string, unknown> {
  const bytes = entries.get(name);
  if (!bytes) throw new Error(`${name} is not in the vsix; entries: ${[...entries.keys()].join(', ')}`);
  return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
}
