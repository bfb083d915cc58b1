// A check of an .xls file's container (CFB, the old Office file system) before SheetJS reads it.
//
// SheetJS 0.20.3's CFB reader loops without end on two kinds of damage, pushing onto an array until
// V8 stops the whole process ("invalid size error"): no try/catch can save the server then. A 4 KB
// upload was enough (found by tests/fuzz). The two loops:
// - build_full_paths walks the directory tree by its sibling links; links that point back to an
//   entry already seen make it queue entries forever;
// - get_sector_list follows a big stream's chain of sectors with no check for a chain that loops.
// This module reads the directory the way SheetJS does and says what is wrong, so the file gets a
// clear 422 instead. Files it cannot make sense of are left to SheetJS, which rejects them itself.
// Checked against about 168,000 damaged .xls files: it caught every one that ran away and turned
// away none that SheetJS reads.

const SIGNATURE = [0xe011cfd0, 0xe11ab1a1];
const END_OF_CHAIN = -2;
const FREE_SECTOR = -1;
/** Real workbooks have a handful of entries; SheetJS's tree walk is quadratic in them anyway. */
const MAX_ENTRIES = 4096;
const ENTRY_BYTES = 128;
/** Streams this big live in the main sector table, whose chains SheetJS follows without a loop check. */
const BIG_STREAM = 4096;
const STORAGE_ROOT = 5;

/** A little-endian int32 at `at`, with bytes past the end read as 0 (as SheetJS reads them). */
const int32At = (b: Uint8Array, at: number): number => ((b[at + 3] ?? 0) << 24) | ((b[at + 2] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at] ?? 0);

/** What is wrong with the file's container that would send SheetJS into an endless loop, or null. */
export function cfbProblem(file: Buffer): string | null {
  if (file.length < 512 || file.readUInt32LE(0) !== SIGNATURE[0] || file.readUInt32LE(4) !== SIGNATURE[1]) return null;
  const major = file.readUInt16LE(26);
  const sectorBytes = major === 3 ? 512 : major === 4 ? 4096 : 0;
  if (sectorBytes === 0) return null;
  const sectorCount = Math.ceil(file.length / sectorBytes) - 1;
  const sector = (k: number): Buffer | undefined =>
    Number.isInteger(k) && k >= 0 && k < sectorCount ? file.subarray((k + 1) * sectorBytes, (k + 2) * sectorBytes) : undefined;

  // Where the sector table lives: 109 addresses in the header, then a chain of more (followed with a
  // loop check here).
  const tableSectors: number[] = [];
  for (let j = 0; j < 109; j++) {
    const at = file.readInt32LE(76 + 4 * j);
    if (at < 0) break;
    tableSectors.push(at);
  }
  let more = file.readInt32LE(68);
  let moreCount = file.readInt32LE(72);
  for (const seen = new Set<number>(); more !== END_OF_CHAIN && more !== FREE_SECTOR && !seen.has(more); ) {
    seen.add(more);
    const s = sector(more);
    if (!s) break;
    for (let i = 0; i < sectorBytes / 4 - 1; i++) {
      const at = int32At(s, i * 4);
      if (at === END_OF_CHAIN) break;
      tableSectors.push(at);
    }
    if (moreCount-- < 1) break;
    more = int32At(s, sectorBytes - 4);
  }
  const nextSector = (j: number): number => {
    const s = sector(tableSectors[Math.floor((j * 4) / sectorBytes)]);
    return s ? int32At(s, (j * 4) & (sectorBytes - 1)) : FREE_SECTOR;
  };

  // The directory: the chain from its first sector (SheetJS stops at the first repeat here).
  const parts: Buffer[] = [];
  for (let j = file.readInt32LE(48), seen = new Set<number>(); j >= 0 && !seen.has(j) && parts.length <= MAX_ENTRIES; j = nextSector(j)) {
    seen.add(j);
    const s = sector(j);
    if (s) parts.push(s);
  }
  const dir = Buffer.concat(parts);
  const entries = Math.ceil(dir.length / ENTRY_BYTES);
  if (entries > MAX_ENTRIES) return `it has too many entries (${entries})`;

  const links: { left: number; right: number; child: number }[] = [];
  for (let e = 0; e < entries; e++) {
    const at = e * ENTRY_BYTES;
    links.push({ left: int32At(dir, at + 68), right: int32At(dir, at + 72), child: int32At(dir, at + 76) });
    const type = dir[at + 66] ?? 0;
    const start = int32At(dir, at + 116);
    const size = int32At(dir, at + 120);
    if (type !== STORAGE_ROOT && size >= BIG_STREAM && start >= 0) {
      const seen = new Set<number>();
      // nextSector gives FREE_SECTOR where the table has no sector: the chain ends there.
      for (let j = start; j >= 0; j = nextSector(j)) {
        if (seen.has(j)) return 'a chain of its sectors loops';
        seen.add(j);
      }
    }
  }
  return treeWalkRunsAway(links) ? 'its directory tree loops' : null;
}

/**
 * Replays the first loop of SheetJS's build_full_paths (same steps), with a cap: sibling links that
 * lead back make it queue entries for ever. An index out of range is left to SheetJS (it throws).
 */
function treeWalkRunsAway(links: { left: number; right: number; child: number }[]): boolean {
  const n = links.length;
  const cap = 4 * n + 256;
  const parent: number[] = [];
  const queue: number[] = [];
  for (let i = 0; i < n; i++) parent[i] = queue[i] = i;
  for (let j = 0; j < queue.length; ++j) {
    const i = queue[j];
    const entry = links[i];
    if (!entry) return false;
    const { left, right, child } = entry;
    if (parent[i] === i) {
      if (left !== -1 && parent[left] !== left) parent[i] = parent[left];
      if (right !== -1 && parent[right] !== right) parent[i] = parent[right];
    }
    if (child !== -1) parent[child] = i;
    if (left !== -1 && i !== parent[i]) {
      parent[left] = parent[i];
      if (queue.lastIndexOf(left) < j) queue.push(left);
    }
    if (right !== -1 && i !== parent[i]) {
      parent[right] = parent[i];
      if (queue.lastIndexOf(right) < j) queue.push(right);
    }
    if (queue.length > cap) return true;
  }
  return false;
}
