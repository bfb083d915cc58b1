// Builders for hostile files and requests, shared by the security, fuzz and fault tests.
import zlib from 'node:zlib';
import * as XLSX from 'xlsx';
import { zipOf, type ZipEntrySpec } from '../helpers/zip.js';

/** A multipart body built by hand, so the filename bytes (NUL, `../`, 1,000 characters) go out exactly as given. */
export function rawMultipart(
  filename: string,
  content: Buffer,
  fields: Record<string, string> = {},
  /** Send the name as RFC 5987 `filename*=UTF-8''…` (percent-encoded, so it may carry a NUL). */
  extended = false,
): { body: Buffer; contentType: string } {
  const boundary = `----statlas${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'));
  }
  const disposition = extended ? `filename*=UTF-8''${encodeURIComponent(filename)}` : `filename="${filename}"`;
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n`, 'utf8'));
  parts.push(Buffer.from('Content-Type: application/octet-stream\r\n\r\n', 'utf8'));
  parts.push(content);
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** An .xlsx file (SheetJS-written) from an array of rows; the first row is the header. */
export function xlsxOf(rows: unknown[][], sheetName = 'Sheet1'): Buffer {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), sheetName);
  return XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}

/** A legacy .xls (BIFF8, a CFB container). */
export function xlsOf(rows: unknown[][]): Buffer {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), 'Sheet1');
  return XLSX.write(wb, { type: 'buffer', bookType: 'biff8' }) as Buffer;
}


const stored = (name: string, text: string): ZipEntrySpec => ({ name, data: Buffer.from(text), method: 0, declaredSize: Buffer.byteLength(text) });

/**
 * An xlsx decompression bomb: a few hundred KB whose sheet XML inflates to `inflatedMb` MB of
 * whitespace inside <sheetData>. The deflate stream is built from one compressed 1 MiB block
 * repeated (full flush: each block stands alone), so building it costs nothing.
 * `lie`: the headers claim the sheet is 1 KB (the guard must notice while inflating).
 */
export function xlsxBomb(inflatedMb: number, lie = false): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
  const tail = '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>';
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const block = zlib.deflateRawSync(Buffer.alloc(1024 * 1024, 0x20), flush);
  const parts = [zlib.deflateRawSync(Buffer.from(head), flush)];
  for (let i = 0; i < inflatedMb; i++) parts.push(block);
  parts.push(zlib.deflateRawSync(Buffer.from(tail))); // the final block
  const sheetSize = Buffer.byteLength(head) + inflatedMb * 1024 * 1024 + Buffer.byteLength(tail);
  return zipOf([
    stored(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    ),
    stored('_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    stored('xl/workbook.xml', '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    stored('xl/_rels/workbook.xml.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.concat(parts), method: 8, declaredSize: lie ? 1024 : sheetSize },
  ]);
}

/** Samples this process's RSS while `work` runs; returns the work's result and the peak growth in MB. */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number; ms: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const t0 = Date.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMb: (peak - start) / 1048576, ms: Date.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}
