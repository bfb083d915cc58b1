// Guessing the delimiter of a CSV/TSV sample: the candidate that splits the first records into
// the same number of fields (more than one) wins.

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

const MAX_RECORDS = 50;

interface Candidate {
  delimiter: string;
  /** The most common field count (the larger one on a tie). */
  mode: number;
  /** Share of the sampled records that have `mode` fields. */
  consistency: number;
}

/**
 * Picks `,` `;` `\t` or `|` for a sample of the file's text (its first few tens of kilobytes).
 * A file that no candidate splits is a one-column file: `,`.
 */
export function sniffDelimiter(sampleText: string, filename?: string): string {
  const text = trimPartialLastLine(sampleText);
  const tsv = !!filename && /\.tsv$/i.test(filename);

  let best: Candidate[] = [];
  let bestConsistency = 0;
  for (const d of DELIMITER_CANDIDATES) {
    const c = measure(text, d);
    if (!c || c.mode < 2) continue;
    if (c.consistency > bestConsistency + 1e-9) {
      best = [c];
      bestConsistency = c.consistency;
    } else if (Math.abs(c.consistency - bestConsistency) <= 1e-9) {
      best.push(c);
    }
  }
  if (best.length === 0) return ',';
  if (best.length === 1) return best[0].delimiter;

  // Ties. Commas routinely live inside the values of other dialects (decimal commas in semicolon
  // files, prose in TSV), while an unquoted tab or semicolon on every line of a comma file is rare:
  // so tab, then semicolon, win a tie. Between pipe and comma the one giving more fields wins.
  const has = (d: string) => best.find((c) => c.delimiter === d);
  if (tsv && has('\t')) return '\t';
  if (has('\t')) return '\t';
  if (has(';')) return ';';
  best.sort((a, b) => b.mode - a.mode || (a.delimiter === ',' ? -1 : 1));
  return best[0].delimiter;
}

/** A sample cut at an arbitrary byte ends in a partial record that would skew the counts. */
function trimPartialLastLine(text: string): string {
  const lastNl = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  if (lastNl <= 0 || lastNl === text.length - 1) return text;
  // Keep the tail when the sample is a single line (the whole file, most likely).
  return text.slice(0, lastNl + 1);
}

/** Field counts of the first non-empty records, splitting on `delimiter` outside quotes. */
function measure(text: string, delimiter: string): Candidate | null {
  const delim = delimiter.charCodeAt(0);
  const counts: number[] = [];
  const n = text.length;
  let pos = 0;
  while (pos < n && counts.length < MAX_RECORDS) {
    let fields = 1;
    let chars = 0;
    let atFieldStart = true;
    let inQuotes = false;
    for (; pos < n; pos++) {
      const c = text.charCodeAt(pos);
      if (inQuotes) {
        if (c === 34) {
          if (pos + 1 < n && text.charCodeAt(pos + 1) === 34) pos++;
          else inQuotes = false;
        }
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13 && pos + 1 < n && text.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        break;
      }
      chars++;
      if (c === delim) {
        fields++;
        atFieldStart = true;
        continue;
      }
      if (c === 34 && atFieldStart) inQuotes = true;
      atFieldStart = false;
    }
    if (chars > 0) counts.push(fields);
  }
  if (counts.length === 0) return null;

  const freq = new Map<number, number>();
  for (const k of counts) freq.set(k, (freq.get(k) ?? 0) + 1);
  let mode = 0;
  let top = 0;
  for (const [k, f] of freq) {
    if (f > top || (f === top && k > mode)) {
      mode = k;
      top = f;
    }
  }
  return { delimiter, mode, consistency: top / counts.length };
}
