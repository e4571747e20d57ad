// A streaming RFC 4180 CSV parser: quoted fields with "" escapes and embedded newlines, CRLF or
// LF rows, a chosen delimiter. A row that breaks the quoting rules is reported by the line it
// starts on and skipped; parsing resumes at the next line.

import { readAhead } from './textStream';

export type CsvEvent = { row: string[]; line: number } | { error: string; line: number };

const QUOTE = 34;
const LF = 10;
const CR = 13;

export async function* csvRows(
  chunks: AsyncIterable<string>,
  delimiter = ',',
): AsyncGenerator<CsvEvent> {
  const delim = delimiter.charCodeAt(0);
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let afterQuote = false; // just closed a quoted field: only a delimiter or a newline may follow
  let broken: string | null = null; // the row is malformed: skip to the end of its line
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;

  const endRow = (): CsvEvent | null => {
    const ev: CsvEvent | null = broken
      ? { error: broken, line: rowLine }
      : row.length > 0 || fieldStarted || field !== ''
        ? { row: [...row, field], line: rowLine }
        : null;
    row = [];
    field = '';
    fieldStarted = false;
    afterQuote = false;
    broken = null;
    rowLine = line;
    return ev;
  };

  for await (const s of chunks) {
    const out: CsvEvent[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (broken !== null) {
        if (c === LF) {
          line++;
          const ev = endRow();
          if (ev) out.push(ev);
        }
        i++;
        continue;
      }
      if (inQuotes) {
        // Copy the run up to the next quote in one slice: fields can be long.
        const q = s.indexOf('"', i);
        if (q < 0) {
          field += s.slice(i);
          for (let k = i; k < s.length; k++) if (s.charCodeAt(k) === LF) line++;
          i = s.length;
          continue;
        }
        const run = s.slice(i, q);
        for (let k = 0; k < run.length; k++) if (run.charCodeAt(k) === LF) line++;
        field += run;
        if (q + 1 >= s.length) {
          // A quote at a chunk's end: wait for the next chunk to tell "" from a closing quote.
          inQuotes = false;
          afterQuote = true;
          i = q + 1;
          continue;
        }
        if (s.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          i = q + 2;
        } else {
          inQuotes = false;
          afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      if (c === delim) {
        row.push(field);
        field = '';
        fieldStarted = true;
        afterQuote = false;
      } else if (c === LF) {
        line++;
        const ev = endRow();
        if (ev) out.push(ev);
      } else if (c === CR && (i + 1 >= s.length || s.charCodeAt(i + 1) === LF)) {
        // The LF that follows ends the row.
      } else if (c === QUOTE) {
        if (afterQuote) {
          // "" split across chunks, or a quote right after a closing quote: an escaped quote.
          field += '"';
          inQuotes = true;
          afterQuote = false;
        } else if (field === '') {
          inQuotes = true;
          fieldStarted = true;
        } else broken = 'a quote inside an unquoted field';
      } else if (afterQuote) {
        broken = 'text after a closing quote';
      } else {
        field += s[i];
      }
      i++;
    }
    yield* out;
  }
  if (inQuotes) broken = 'a quoted field is never closed';
  const ev = endRow();
  if (ev) yield ev;
}

/**
 * A .csv file's delimiter, read off its header line: a comma, unless the header has none outside
 * quotes and has semicolons (what Excel saves where the decimal mark is a comma: most of
 * continental Europe) or tabs.
 */
function headerDelimiter(header: string): ',' | ';' | '\t' {
  const outside = header
    .split('"')
    .filter((_, i) => i % 2 === 0)
    .join('');
  if (outside.includes(',')) return ',';
  if (outside.includes(';')) return ';';
  return outside.includes('\t') ? '\t' : ',';
}

/** Text read ahead before the header's end, at most: a header longer than it is taken as cut. */
const HEADER_PEEK = 1 << 20;

/** The rows of a .csv file, split by its header's delimiter (headerDelimiter). */
export async function* sniffedCsvRows(chunks: AsyncIterable<string>): AsyncGenerator<CsvEvent> {
  const ahead = await readAhead(chunks, (h) => h.includes('\n') || h.length >= HEADER_PEEK);
  yield* csvRows(ahead.chunks, headerDelimiter(ahead.head.split('\n', 1)[0]));
}
