// Which text cells count as missing (API.md: pandas' default na_values). JSON has its own rule:
// only `null` is missing there, so these markers apply to CSV/TSV fields and Excel text cells only.

export const MISSING_MARKERS: readonly string[] = [
  '', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None', '<NA>',
  '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '1.#IND', '1.#QNAN',
];

const MARKERS = new Set(MISSING_MARKERS);
// The longest marker is 8 characters: longer text (after trimming) can skip the set lookup.
const LONGEST = Math.max(...MISSING_MARKERS.map((m) => m.length));

/** True for a code unit that String.prototype.trim would remove (the common ASCII ones checked first). */
function isSpace(c: number): boolean {
  if (c > 32 && c < 0xa0) return false; // printable ASCII and C1: the common case, one comparison pair
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff ||
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000;
}

/** The text without surrounding spaces; returns the same string (no allocation) in the common case. */
export function trimCell(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  if (!isSpace(text.charCodeAt(0)) && !isSpace(text.charCodeAt(n - 1))) return text;
  return text.trim();
}

// First characters a marker can start with, after trimming: N n - < # 1 (the empty marker is handled apart).
// Most cells (numbers other than "1.#…", words) are ruled out by their first character, with no hashing.
const MARKER_START = new Uint8Array(128);
for (const m of MISSING_MARKERS) if (m.length > 0) MARKER_START[m.charCodeAt(0)] = 1;

/**
 * A text cell is missing when, without its surrounding spaces, it is one of the markers. So a cell of
 * only spaces is missing too (pandas would keep "  " as text; a blank-looking cell that turns a
 * numeric column into a string one is never what a user means).
 */
export function isMissingText(text: string): boolean {
  const n = text.length;
  if (n === 0) return true;
  const c = text.charCodeAt(0);
  // Quick rejection: short enough after no trimming, and a first character no marker has.
  if (c < 128 && MARKER_START[c] === 0 && !isSpace(c)) return false;
  const t = trimCell(text);
  if (t.length === 0) return true;
  if (t.length > LONGEST) return false;
  const f = t.charCodeAt(0);
  if (f >= 128 || MARKER_START[f] === 0) return false;
  // "1.#IND"-style markers are the only ones starting with a digit: skip the hash for plain numbers.
  if (f === 49 && t.charCodeAt(1) !== 46) return false;
  if (f === 45) {
    // -NaN, -nan, -1.#IND, -1.#QNAN: a negative number is none of them.
    const g = t.charCodeAt(1);
    if (g !== 78 && g !== 110 && !(g === 49 && t.charCodeAt(2) === 46)) return false;
  }
  return MARKERS.has(t);
}
