// A zip-bomb pre-check for xlsx/ods (zip) files, run before SheetJS inflates anything: SheetJS has no
// size limits (toolchain.md §5: a 1 MB file → 300 MB of sheet XML → 42 s and 3 GB of memory).
// It walks the central directory, refuses zip64, too many entries, too much declared content or a
// suspicious compression ratio, then inflates every deflated entry with a hard output cap, which
// catches entries that lie about their size. Reading the directory costs nothing; the inflate pass
// costs about what SheetJS's own inflate does (tens of ms for a normal workbook).
import { Buffer } from 'node:buffer';
import zlib from 'node:zlib';
import { AppError } from '../../errors.js';

export interface ZipGuardOptions {
  /** Most entries a workbook may have. */
  maxEntries?: number;
  /** Most bytes all entries may inflate to together. */
  maxTotalBytes?: number;
  /** Most bytes one entry may inflate to per compressed byte (checked for entries over 10 MiB). */
  maxRatio?: number;
}

export const ZIP_GUARD_DEFAULTS: Required<ZipGuardOptions> = {
  maxEntries: 10_000,
  // SheetJS needs about 10× the XML size in memory: 256 MiB of XML is already ~2.5 GB at peak.
  // Real workbooks of a 16 MB upload inflate to far less (text XML compresses 5–15×).
  maxTotalBytes: 256 * 1024 * 1024,
  // Repetitive but real sheets reach ~50×; bombs are in the hundreds or thousands.
  maxRatio: 200,
};

const RATIO_FLOOR = 10 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

function tooLarge(): AppError {
  return new AppError('FILE_TOO_LARGE', 'The spreadsheet is too large once unpacked.');
}

function corrupt(what: string): AppError {
  return AppError.parse(`The spreadsheet is damaged: ${what}.`);
}

/** The entries of a zip's central directory (throws 422 when there is no readable directory). */
export function listZipEntries(bytes: Uint8Array, maxEntries = ZIP_GUARD_DEFAULTS.maxEntries): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the end of the file.
  let eocd = -1;
  for (let i = n - 22; i >= 0 && i >= n - 22 - 65535; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('its zip directory is missing (is the file cut short?)');
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  // Zip64 markers: a spreadsheet within the upload limit never needs zip64; only a bomb does.
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw tooLarge();
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) throw tooLarge();
  if (count > maxEntries) throw tooLarge();
  if (cdOffset + cdSize > n) throw corrupt('its zip directory points past the end of the file');

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > n || view.getUint32(p, true) !== 0x02014b50) throw corrupt('its zip directory is unreadable');
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw tooLarge();
    }
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, Math.min(nameLen, n - p - 46)).toString('utf8');
    entries.push({ name, method, compressedSize, uncompressedSize, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Throws 413 FILE_TOO_LARGE for a zip bomb, 422 for a zip too damaged to check. */
export function checkZip(bytes: Uint8Array, options: ZipGuardOptions = {}): ZipEntry[] {
  const { maxEntries, maxTotalBytes, maxRatio } = { ...ZIP_GUARD_DEFAULTS, ...options };
  const entries = listZipEntries(bytes, maxEntries);
  let declared = 0;
  for (const e of entries) {
    declared += e.uncompressedSize;
    if (declared > maxTotalBytes) throw tooLarge();
    if (e.uncompressedSize > RATIO_FLOOR && e.uncompressedSize > maxRatio * Math.max(e.compressedSize, 1)) {
      throw tooLarge();
    }
  }

  // The declared sizes may lie: inflate each entry, never past what it declared (+1 byte to notice a lie).
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let actual = 0;
  for (const e of entries) {
    if (e.method !== 8) continue; // stored entries are no bigger than the file itself
    const p = e.localOffset;
    if (p + 30 > bytes.length || view.getUint32(p, true) !== 0x04034b50) throw corrupt(`entry ${e.name} is unreadable`);
    const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
    const end = start + e.compressedSize;
    if (end > bytes.length) throw corrupt(`entry ${e.name} is cut short`);
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(bytes.subarray(start, end), {
        maxOutputLength: Math.max(1, Math.min(e.uncompressedSize + 1, maxTotalBytes - actual + 1)),
      });
    } catch (err) {
      // RangeError: more output than allowed, i.e. the entry inflates past its declared size or the cap.
      if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw corrupt(`entry ${e.name} does not unpack`);
    }
    if (out.length > e.uncompressedSize) throw tooLarge();
    actual += out.length;
    if (actual > maxTotalBytes) throw tooLarge();
  }
  return entries;
}
