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
import { pickColumn } from './records';
import { FileError, type InputFile, throwIfAborted } from './textStream';

/** hyparquet inflates snappy itself; gzip pages go through fflate. */
const compressors: Compressors = { GZIP: (input) => gunzipSync(input) };

export interface ParquetOptions {
  column?: string | number;
  signal?: AbortSignal;
  /** Progress: the share of the file read so far, in bytes. */
  onBytes?: (bytes: number) => void;
}

/** The values of the text column, row by row, with 1-based row numbers. */
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
  const col = pickColumn(columns, opts.column);
  if (col === null) {
    throw new FileError(
      'column',
      file.name,
      `has no "text" or "messages" column: choose one of ${columns.join(', ')}`,
      columns,
    );
  }
  const name = columns[col];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    throwIfAborted(opts.signal);
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: [name],
        rowStart,
        rowEnd,
        compressors,
      });
    } catch (e) {
      throw new FileError('corrupt', file.name, `row group at row ${rowStart + 1} failed: ${e}`);
    }
    for (let i = 0; i < rows.length; i++) yield { value: rows[i][name], row: rowStart + i + 1 };
    opts.onBytes?.(Math.round((file.size * rowEnd) / Math.max(1, Number(metadata.num_rows))));
    rowStart = rowEnd;
  }
}
