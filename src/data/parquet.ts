// Parquet records through hyparquet, one row group at a time so that memory stays bounded by the
// largest row group. Parquet needs random access (its index is at the end), so it reads slices
// of the file instead of a stream; gzip pages are inflated with fflate.

import { gunzipSync } from 'fflate';
import {
  type Compressors,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from 'hyparquet';
import { documentColumns, noTextColumn } from './records';
import { FileError, type InputFile, throwIfAborted } from './textStream';

/** hyparquet inflates snappy itself; gzip pages go through fflate. */
const compressors: Compressors = { GZIP: (input) => gunzipSync(input) };

export interface ParquetOptions {
  column?: string | number;
  signal?: AbortSignal;
  /** Progress: the share of the file read so far, in bytes. */
  onBytes?: (bytes: number) => void;
}

/**
 * The values of the text column, row by row, with 1-based row numbers; or each row's one-turn chat
 * columns as an object, where the file has those instead (documentColumns).
 */
export async function* parquetValues(
  file: InputFile,
  opts: ParquetOptions = {},
): AsyncGenerator<{ value: unknown; row: number }> {
  const buffer = {
    byteLength: file.size,
    slice: (start: number, end?: number) => file.slice(start, end).arrayBuffer(),
  };
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new FileError('corrupt', file.name, `is not a readable parquet file (${e})`);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const from = documentColumns(columns, opts.column);
  if (from === null) throw noTextColumn(file.name, columns);
  // The text column's values, or a one-turn chat's columns as one object a row.
  const names =
    'column' in from
      ? [columns[from.column]]
      : [from.turn.prompt, from.turn.reply, from.turn.input, from.turn.system].filter(
          (n) => n !== undefined,
        );
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    throwIfAborted(opts.signal);
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: names,
        rowStart,
        rowEnd,
        compressors,
      });
    } catch (e) {
      throw new FileError('corrupt', file.name, `row group at row ${rowStart + 1} failed: ${e}`);
    }
    for (let i = 0; i < rows.length; i++) {
      yield { value: 'column' in from ? rows[i][names[0]] : rows[i], row: rowStart + i + 1 };
    }
    opts.onBytes?.(Math.round((file.size * rowEnd) / Math.max(1, Number(metadata.num_rows))));
    rowStart = rowEnd;
  }
}
