// Header names as API.md wants them: trimmed, empty → column_<1-based position>, repeats → name_2, name_3…
// Only Sets/Maps are keyed by names here: a column may be called `__proto__` or `constructor`.
// NUL characters are dropped: PostgreSQL cannot store them in text or JSON, and no one means them.

export function uniqueColumnNames(raw: readonly (string | null | undefined)[]): string[] {
  const base = raw.map((r, i) => {
    const t = r == null ? '' : String(r).replaceAll('\u0000', '').trim();
    return t === '' ? `column_${i + 1}` : t;
  });
  // Every name that appears keeps its first occurrence, so a generated suffix must avoid all of them,
  // including ones that only come later (["a", "a", "a_2"] → a, a_3, a_2).
  const used = new Set(base);
  const seen = new Set<string>();
  const nextSuffix = new Map<string, number>();
  const out: string[] = new Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const name = base[i];
    if (!seen.has(name)) {
      seen.add(name);
      out[i] = name;
      continue;
    }
    let k = nextSuffix.get(name) ?? 2;
    while (used.has(`${name}_${k}`)) k++;
    const unique = `${name}_${k}`;
    nextSuffix.set(name, k + 1);
    used.add(unique);
    seen.add(unique);
    out[i] = unique;
  }
  return out;
}
