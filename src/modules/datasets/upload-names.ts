// What we keep of the client's file name: shown back to users, never used as a path (an upload
// waits in a spool file with a name of our own), so it only needs to be readable and harmless.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const MAX_NAME = 255;

/** Busboy hands over names as latin1; browsers send UTF-8. Re-read when that round-trips. */
function utf8Name(raw: string): string {
  const bytes = Buffer.from(raw, 'latin1');
  const text = bytes.toString('utf8');
  return /[\u0080-\uffff]/.test(raw) && !text.includes('\ufffd') && Buffer.from(text, 'utf8').equals(bytes) ? text : raw;
}

/** The last path segment, without control characters, at most 255 characters. */
export function safeFilename(raw: string | undefined): string {
  const name = utf8Name(raw ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(CONTROL, '')
    .trim()
    .slice(0, MAX_NAME);
  return name === '' || name === '.' || name === '..' ? 'upload' : name;
}

/** `sales.2024.csv` → `sales.2024`; a name that is only an extension keeps it. */
export function nameWithoutExtension(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return (dot > 0 ? filename.slice(0, dot) : filename).slice(0, 200);
}
