// Parses a date or datetime given as text in a request (filters, chart ranges) to epoch ms UTC.
// ISO forms only: YYYY-MM-DD (midnight UTC) or a full ISO datetime (no offset means UTC).
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function parseTimeText(text: string): number | null {
  const s = text.trim();
  const d = DATE_ONLY.exec(s);
  if (d) {
    const ms = Date.UTC(+d[1], +d[2] - 1, +d[3]);
    const back = new Date(ms);
    return back.getUTCMonth() === +d[2] - 1 && back.getUTCDate() === +d[3] ? ms : null;
  }
  if (!DATETIME.test(s)) return null;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const ms = Date.parse(hasOffset ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}
