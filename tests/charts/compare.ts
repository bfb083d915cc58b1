// Structural comparison with the pandas oracle: same keys and order; integers (counts, integer sums)
// exactly; other numbers within 1e-9 relative, except under the `exactFields` (bin edges, quartiles:
// numpy's arithmetic), compared bit for bit.
export function mismatches(actual: unknown, expected: unknown, exactFields: string[], path = '$', exact = false): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (actual === expected) return [];
    if (exact || (Number.isInteger(expected) && Number.isInteger(actual))) return [`${path}: ${actual} !== ${expected}`];
    const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
    return rel <= 1e-9 ? [] : [`${path}: ${actual} vs ${expected} (rel ${rel.toExponential(2)})`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${path}: length ${actual.length} !== ${expected.length}`];
    return expected.flatMap((e, i) => mismatches(actual[i], e, exactFields, `${path}[${i}]`, exact));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual).sort();
    if (ek.join(',') !== ak.join(',')) return [`${path}: keys ${ak.join(',')} !== ${ek.join(',')}`];
    return ek.flatMap((k) =>
      mismatches((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], exactFields, `${path}.${k}`, exactFields.includes(k)),
    );
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`];
}
