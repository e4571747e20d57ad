// Splits a .json file into its records without parsing the whole file: the elements of a top-level
// array, or a sequence of top-level values (one object, or JSON Lines saved as .json). Each record
// text is then given to JSON.parse on its own, so one bad record is skipped, not the file.

export type JsonEvent = { json: string; line: number } | { error: string; line: number };

const WS = new Set([32, 9, 10, 13]);

export async function* jsonRecords(chunks: AsyncIterable<string>): AsyncGenerator<JsonEvent> {
  let mode: 'start' | 'array' | 'values' = 'start';
  let depth = 0; // nesting inside the current record
  let inString = false;
  let escaped = false;
  let record = ''; // text of the current record from earlier chunks
  let recordStart = -1; // start of the current record in this chunk, or -1
  let inRecord = false;
  let recordLine = 0;
  let line = 1;
  let closed = false; // the top-level array ended

  for await (const s of chunks) {
    const out: JsonEvent[] = [];
    recordStart = inRecord ? 0 : -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (!inRecord) {
        if (WS.has(c)) continue;
        if (mode === 'start') {
          mode = c === 91 ? 'array' : 'values';
          if (mode === 'array') continue;
        }
        if (mode === 'array') {
          if (c === 44) continue; // separator between elements
          if (c === 93) {
            closed = true;
            mode = 'values'; // anything after the array is reported as extra values
            continue;
          }
        }
        inRecord = true;
        recordStart = i;
        recordLine = line;
        depth = 0;
      }
      // Inside a record.
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0 && mode === 'array') {
          // "]" that closes the top-level array right after a primitive element.
          out.push({ json: record + s.slice(recordStart, i), line: recordLine });
          record = '';
          inRecord = false;
          closed = true;
          mode = 'values';
          continue;
        }
        depth--;
        if (depth === 0) {
          out.push({ json: record + s.slice(recordStart, i + 1), line: recordLine });
          record = '';
          inRecord = false;
        }
      } else if (depth === 0 && (c === 44 || (mode === 'values' && WS.has(c)))) {
        // A primitive record ends at a separator (or, between top-level values, whitespace).
        out.push({ json: record + s.slice(recordStart, i), line: recordLine });
        record = '';
        inRecord = false;
      }
    }
    if (inRecord) record += s.slice(recordStart);
    yield* out;
  }
  if (inRecord) {
    if (depth === 0 && !inString) yield { json: record, line: recordLine };
    else yield { error: 'the file ends inside a record (truncated JSON)', line: recordLine };
  } else if (mode === 'array' && !closed) {
    yield { error: 'the top-level array is never closed (truncated JSON)', line };
  }
}
