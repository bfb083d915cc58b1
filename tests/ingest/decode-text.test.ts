import { describe, test, expect } from '@jest/globals';
import { decodeText, detectEncoding } from '../../src/modules/ingest/decode-text.js';

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

const utf16be = (s: string): Uint8Array => {
  const le = Buffer.from(s, 'utf16le');
  return Uint8Array.from(le.swap16());
};

describe('detectEncoding and decodeText', () => {
  test('when a file is plain ASCII, then it is utf-8', () => {
    expect(detectEncoding(bytes('a,b\n1,2\n'))).toBe('utf-8');
  });

  test('when a file is empty, then it is utf-8', () => {
    expect(detectEncoding(new Uint8Array(0))).toBe('utf-8');
  });

  test('when a file is Latin-1 with é as 0xE9, then it is latin1 and decodes to é', () => {
    const b = bytes('name,city\nRen', [0xe9], ',Montr', [0xe9], 'al\n');
    expect(detectEncoding(b)).toBe('latin1');
    expect(decodeText(b, 'latin1')).toBe('name,city\nRené,Montréal\n');
  });

  test('when a file has windows-1252 curly quotes, then it is windows-1252 and they decode as “ ”', () => {
    const b = bytes('quote\n', [0x93], 'caf', [0xe9], [0x94], ' ', [0x80], '5\n');
    expect(detectEncoding(b)).toBe('windows-1252');
    expect(decodeText(b, 'windows-1252')).toBe('quote\n“café” €5\n');
    // The WHATWG 'latin1' label is windows-1252, which is what people sending "Latin-1" mean.
    expect(decodeText(b, 'latin1')).toBe('quote\n“café” €5\n');
  });

  test('when a file starts with a UTF-8 BOM, then it is utf-8 and the BOM is dropped', () => {
    const b = bytes([0xef, 0xbb, 0xbf], 'a,b\n');
    expect(detectEncoding(b)).toBe('utf-8');
    expect(decodeText(b, 'utf-8')).toBe('a,b\n');
  });

  test('when a file is UTF-8 with accents, then it is utf-8', () => {
    const b = Uint8Array.from(Buffer.from('name\nRené ʤ 漢字\n', 'utf8'));
    expect(detectEncoding(b)).toBe('utf-8');
    expect(decodeText(b, 'utf-8')).toBe('name\nRené ʤ 漢字\n');
  });

  test('when a file is UTF-16LE with a BOM, then it is utf-16le and decodes without the BOM', () => {
    const b = Uint8Array.from(Buffer.from('\ufeffa;b\n1;é\n', 'utf16le'));
    expect([b[0], b[1]]).toEqual([0xff, 0xfe]);
    expect(detectEncoding(b)).toBe('utf-16le');
    expect(decodeText(b, 'utf-16le')).toBe('a;b\n1;é\n');
  });

  test('when a file is UTF-16BE with a BOM, then it is utf-16be and decodes without the BOM', () => {
    const b = utf16be('\ufeffa;b\n1;é\n');
    expect([b[0], b[1]]).toEqual([0xfe, 0xff]);
    expect(detectEncoding(b)).toBe('utf-16be');
    expect(decodeText(b, 'utf-16be')).toBe('a;b\n1;é\n');
  });

  test('when a file is UTF-16 without a BOM, then its NUL bytes give the byte order away', () => {
    expect(detectEncoding(Uint8Array.from(Buffer.from('a,b\n1,2\n', 'utf16le')))).toBe('utf-16le');
    expect(detectEncoding(utf16be('a,b\n1,2\n'))).toBe('utf-16be');
  });

  test('when the user names an encoding, then it is used even if the bytes look like another', () => {
    const b = Uint8Array.from(Buffer.from('é', 'utf8'));
    expect(decodeText(b, 'latin1')).toBe('Ã©');
  });

  test('when bytes are not valid in the named encoding, then they become U+FFFD instead of failing', () => {
    expect(decodeText(bytes('a', [0xe9], 'b'), 'utf-8')).toBe('a\ufffdb');
  });
});
