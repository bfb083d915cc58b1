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

/**
 * A text cell is missing when, without its surrounding spaces, it is one of the markers. So a cell of
 * only spaces is missing too (pandas would keep "  " as text; a blank-looking cell that turns a
 * numeric column into a string one is never what a user means).
 */
export function isMissingText(text: string): boolean {
  if (text.length === 0) return true;
  const t = trimCell(text);
  return t.length <= LONGEST && MARKERS.has(t);
}
