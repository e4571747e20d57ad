// One entry point for every supported file: picks the parser by extension and yields document
// texts, while a FileReport collects what the UI shows (format, counts, hash, skipped records
// with their line numbers). Whole-file problems throw FileError.

import { compressionOf, withoutCompression } from './compression';
import { type CsvEvent, csvRows, sniffedCsvRows } from './csv';
import { jsonRecords } from './jsonValues';
import { parquetValues } from './parquet';
import {
  CHAT_NAMES,
  documentColumns,
  noTextColumn,
  recordDocument,
  type TurnFields,
  textDocument,
} from './records';
import { Sha256 } from './sha256';
import {
  type ByteTally,
  emptyFileError,
  FileError,
  hashFile,
  type InputFile,
  lines,
  readAhead,
  type TextEncoding,
  textChunks,
} from './textStream';

export type Format = 'txt' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';
/**
 * A .txt file's documents: one a line, one a blank-line-separated paragraph, the text between
 * <|endoftext|> separators, or the whole file.
 */
export type TxtMode = 'lines' | 'paragraphs' | 'separated' | 'file';

// Source code and markup, read as plain text whose documents are whole files where the layout is
// detected: a function or a tag alone means little, and blank lines inside them are not breaks
// between documents. A folder of a code base so makes a dataset (hidden ones, such as .git, are
// skipped).
const SOURCE_CODE = new Set(
  (
    'py pyi ipy js mjs cjs jsx ts tsx mts c h cc cpp cxx hpp hh cs java kt kts go rs rb php swift ' +
    'scala lua sh bash zsh ps1 sql r jl hs ml mli ex exs erl clj dart pl pm fs f90 m wgsl glsl ' +
    'hlsl cu zig vue svelte html htm xml css scss less yaml yml toml ini cfg conf'
  ).split(' '),
);

const EXTENSIONS: Record<string, Format> = {
  txt: 'txt',
  text: 'txt',
  md: 'txt',
  rst: 'txt',
  adoc: 'txt',
  org: 'txt',
  tex: 'txt',
  srt: 'txt',
  vtt: 'txt',
  log: 'txt',
  ...Object.fromEntries([...SOURCE_CODE].map((e) => [e, 'txt' as const])),
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  parquet: 'parquet',
};

export const SUPPORTED =
  '.txt, .md and other plain text, source code (.py, .js, .c, .html, …), .jsonl, .json, .csv, .tsv, .parquet, the text formats compressed (.gz, .zst), or a .zip of these';

/** The file chooser's list of extensions: every format, compressed files and archives. */
export const ACCEPT = [...Object.keys(EXTENSIONS), 'gz', 'zst', 'zip'].map((e) => `.${e}`).join();

/** The extension of a file of this name, lowercased, through a compression suffix. */
function extensionOf(name: string): string | undefined {
  const parts = withoutCompression(name).toLowerCase().split('.');
  return parts.length > 1 ? parts.at(-1) : undefined;
}

/** The format of a file of this name, through a compression suffix (a.jsonl.zst: jsonl). */
export function detectFormat(name: string): Format | null {
  const ext = extensionOf(name);
  return ext === undefined ? null : (EXTENSIONS[ext] ?? null);
}

/** Whether a file of this name is source code or markup (SOURCE_CODE). */
export function isSourceCode(name: string): boolean {
  return SOURCE_CODE.has(extensionOf(name) ?? '');
}

export interface ParseOptions {
  /** .txt: one document per line, per blank-line-separated paragraph, or detect (default). */
  txtMode?: TxtMode | 'auto';
  /** .csv/.tsv/.parquet: the text column by name or index; .json/.jsonl: the field (default: documentColumns, recordDocument). */
  column?: string | number;
  /** Hash the raw bytes (SHA-256) while reading. */
  hash?: boolean;
  signal?: AbortSignal;
}

export interface FileIssue {
  line: number;
  message: string;
}

export interface FileReport {
  name: string;
  size: number;
  format: Format;
  mode?: TxtMode;
  sha256?: string;
  documents: number;
  /**
   * Of those, conversations (rendered through the chat template): the chat pane's mode follows
   * whether a model's data had any. Absent in manifests stored before they were counted.
   */
  chats?: number;
  /** The text's encoding where it is not UTF-8 (absent for UTF-8 and parquet). */
  encoding?: Exclude<TextEncoding, 'utf-8'>;
  /** Records skipped as malformed; the first MAX_ISSUES are in issues. */
  skipped: number;
  issues: FileIssue[];
  bytesRead: number;
}

const MAX_ISSUES = 50;
/** How much text auto-detection of the .txt layout looks at. */
const DETECT_CHARS = 1 << 16;

// What to do with documents of kinds people keep text in that the studio does not read: each
// saves or converts to a kind it does.
const CONVERT: Record<string, string> = {
  spreadsheet: 'save it as CSV (in Excel: File → Save As → "CSV UTF-8") and drop that',
  document: 'save it as plain text (File → Save As → "Plain Text", .txt) and drop that',
  PDF: 'save or copy its text into a .txt file and drop that',
  'e-book': 'convert it to plain text (.txt; Calibre does) and drop that',
};
const OTHER_KINDS: Record<string, keyof typeof CONVERT> = {
  xlsx: 'spreadsheet',
  xls: 'spreadsheet',
  ods: 'spreadsheet',
  numbers: 'spreadsheet',
  docx: 'document',
  doc: 'document',
  odt: 'document',
  rtf: 'document',
  pages: 'document',
  pdf: 'PDF',
  epub: 'e-book',
  mobi: 'e-book',
};

export function newReport(file: InputFile): FileReport {
  const format = detectFormat(file.name);
  if (!format) {
    const kind = OTHER_KINDS[extensionOf(file.name) ?? ''];
    throw new FileError(
      'unsupported',
      file.name,
      kind
        ? `is a ${kind}, which the studio does not read: ${CONVERT[kind]}`
        : `is not a supported file type (use ${SUPPORTED})`,
    );
  }
  if (format === 'parquet' && compressionOf(file.name)) {
    throw new FileError(
      'unsupported',
      file.name,
      'is a compressed parquet file: parquet compresses itself, so drop the .parquet file ' +
        'decompressed',
    );
  }
  if (file.size === 0) throw emptyFileError(file.name);
  return {
    name: file.name,
    size: file.size,
    format,
    documents: 0,
    chats: 0,
    skipped: 0,
    issues: [],
    bytesRead: 0,
  };
}

function skip(report: FileReport, line: number, message: string): void {
  report.skipped++;
  if (report.issues.length < MAX_ISSUES) report.issues.push({ line, message });
}

/**
 * The document of a parsed record (from its `field`, where chosen); a record without one is
 * skipped, with the reason.
 */
function documentOrSkip(
  report: FileReport,
  line: number,
  value: unknown,
  field?: string,
): string | undefined {
  const doc = recordDocument(value, field);
  if ('text' in doc) return doc.text;
  skip(report, line, doc.error);
  return undefined;
}

/**
 * Documents of a file's JSON records, by the field chosen in the import options if any: malformed
 * JSON is skipped like a record without text. The first object's fields are kept, so that a file
 * none of whose records has a document offers them to choose from (`end`).
 */
function jsonReader(report: FileReport, opts: ParseOptions) {
  const field = typeof opts.column === 'string' ? opts.column : undefined;
  let fields: string[] | undefined;
  let documents = 0;
  return {
    document(line: number, json: string): string | undefined {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (e) {
        skip(report, line, `malformed JSON (${(e as Error).message})`);
        return undefined;
      }
      if (fields === undefined && typeof value === 'object' && value && !Array.isArray(value)) {
        fields = Object.keys(value);
      }
      const doc = documentOrSkip(report, line, value, field);
      if (doc !== undefined) documents++;
      return doc;
    },
    end(): void {
      if (documents === 0 && fields?.length) throw noTextColumn(report.name, fields, 'field');
    },
  };
}

// The separator GPT-2's tokenizer ends documents with, which corpora made for it keep between
// their documents (TinyStories: a line of its own after each story, whose paragraphs may have
// blank lines between them).
const END_OF_TEXT = '<|endoftext|>';

/**
 * Chooses the layout: <|endoftext|> separators where there are any, else paragraphs where a blank
 * line comes between text, else lines.
 */
export function detectTxtMode(sample: string): TxtMode {
  if (sample.includes(END_OF_TEXT)) return 'separated';
  return /\S[ \t]*\r?\n[ \t]*\r?\n\s*\S/.test(sample) ? 'paragraphs' : 'lines';
}

/**
 * The longest document a file's layout may hold whole (a file as one document: an essay, a story,
 * a source file of a folder of them; or the text between two separators): past this size it is
 * refused rather than read into one string.
 */
export const MAX_FILE_DOCUMENT_CHARS = 1 << 24;

/** The error for a document over MAX_FILE_DOCUMENT_CHARS, with the layouts that would split it. */
function tooLong(name: string, what: string): FileError {
  return new FileError(
    'unsupported',
    name,
    `${what} over ${MAX_FILE_DOCUMENT_CHARS.toLocaleString('en-US')} characters, too long for one ` +
      'document: import it with one document a line or a paragraph',
  );
}

/** The documents between <|endoftext|> separators, each trimmed (lines joined by \n). */
async function* separatedDocuments(
  source: AsyncIterable<string>,
  name: string,
): AsyncGenerator<string> {
  let doc: string[] = [];
  let chars = 0;
  const finished = () => {
    const text = doc.join('\n').trim();
    doc = [];
    chars = 0;
    return text;
  };
  for await (const { text } of lines(source)) {
    const parts = text.split(END_OF_TEXT);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) {
        const done = finished();
        if (done) yield textDocument(done);
      }
      doc.push(parts[i]);
      chars += parts[i].length + 1;
      if (chars > MAX_FILE_DOCUMENT_CHARS) {
        throw tooLong(name, `has a document between ${END_OF_TEXT} separators`);
      }
    }
  }
  const last = finished();
  if (last) yield textDocument(last);
}

/** A file as one document: its line endings as \n, blank lines around it dropped. */
async function* wholeFileDocument(
  chunks: AsyncIterable<string>,
  name: string,
): AsyncGenerator<string> {
  const parts: string[] = [];
  let chars = 0;
  for await (const chunk of chunks) {
    chars += chunk.length;
    if (chars > MAX_FILE_DOCUMENT_CHARS) {
      throw tooLong(name, 'is');
    }
    parts.push(chunk);
  }
  const text = parts.join('').replace(/\r\n/g, '\n').trim();
  if (text) yield textDocument(text);
}

async function* txtDocuments(
  chunks: AsyncIterable<string>,
  mode: TxtMode | 'auto',
  report: FileReport,
): AsyncGenerator<string> {
  // Look ahead at the start of the file to detect the layout, then replay it.
  let source = chunks;
  if (mode === 'auto' && isSourceCode(report.name)) mode = 'file';
  if (mode === 'auto') {
    const ahead = await readAhead(chunks, (h) => h.length >= DETECT_CHARS);
    mode = detectTxtMode(ahead.head.slice(0, DETECT_CHARS));
    source = ahead.chunks;
  }
  report.mode = mode;
  if (mode === 'file') {
    yield* wholeFileDocument(source, report.name);
    return;
  }
  if (mode === 'separated') {
    yield* separatedDocuments(source, report.name);
    return;
  }
  let paragraph: string[] = [];
  for await (const { text } of lines(source)) {
    if (mode === 'lines') {
      if (text.trim()) yield textDocument(text);
    } else if (text.trim()) paragraph.push(text);
    else if (paragraph.length) {
      yield textDocument(paragraph.join('\n'));
      paragraph = [];
    }
  }
  if (paragraph.length) yield textDocument(paragraph.join('\n'));
}

async function* jsonlDocuments(
  chunks: AsyncIterable<string>,
  opts: ParseOptions,
  report: FileReport,
): AsyncGenerator<string> {
  const reader = jsonReader(report, opts);
  for await (const { text, line } of lines(chunks)) {
    if (!text.trim()) continue;
    const doc = reader.document(line, text);
    if (doc !== undefined) yield doc;
  }
  reader.end();
}

async function* jsonDocuments(
  chunks: AsyncIterable<string>,
  opts: ParseOptions,
  report: FileReport,
): AsyncGenerator<string> {
  const reader = jsonReader(report, opts);
  for await (const ev of jsonRecords(chunks)) {
    if ('error' in ev) {
      skip(report, ev.line, ev.error);
      continue;
    }
    const doc = reader.document(ev.line, ev.json);
    if (doc !== undefined) yield doc;
  }
  reader.end();
}

async function* csvDocuments(
  rows: AsyncIterable<CsvEvent>,
  opts: ParseOptions,
  report: FileReport,
): AsyncGenerator<string> {
  let header: string[] | null = null;
  let from: { column: number } | { turn: TurnFields } = { column: 0 };
  for await (const ev of rows) {
    if ('error' in ev) {
      skip(report, ev.line, `malformed row: ${ev.error}`);
      continue;
    }
    if (!header) {
      header = ev.row;
      const picked = documentColumns(header, opts.column);
      if (picked === null) throw noTextColumn(report.name, header);
      from = picked;
      continue;
    }
    if (ev.row.length !== header.length) {
      skip(
        report,
        ev.line,
        `malformed row: ${ev.row.length} fields, the header has ${header.length}`,
      );
      continue;
    }
    if ('turn' in from) {
      const row = ev.row;
      const doc = documentOrSkip(
        report,
        ev.line,
        Object.fromEntries(header.map((h, i) => [h, row[i]])),
      );
      if (doc !== undefined) yield doc;
      continue;
    }
    const cell = ev.row[from.column];
    if (!cell.trim()) continue;
    const name = header[from.column].trim().toLowerCase();
    if (CHAT_NAMES.includes(name)) {
      let value: unknown;
      try {
        value = { [name]: JSON.parse(cell) };
      } catch (e) {
        skip(report, ev.line, `malformed JSON in "${name}" (${(e as Error).message})`);
        continue;
      }
      const doc = documentOrSkip(report, ev.line, value);
      if (doc !== undefined) yield doc;
    } else yield textDocument(cell);
  }
}

/**
 * The documents of one file. The report is filled in as parsing goes (bytesRead, counts) and
 * completed (sha256) when the generator finishes.
 */
export async function* parseFile(
  file: InputFile,
  report: FileReport,
  opts: ParseOptions = {},
): AsyncGenerator<string> {
  // Parquet is read by slices, so it is hashed in a streaming pass of its own at the end.
  const tally: ByteTally = {
    bytes: 0,
    hash: opts.hash && report.format !== 'parquet' ? new Sha256() : undefined,
  };
  let docs: AsyncGenerator<string>;
  if (report.format === 'parquet') {
    docs = (async function* () {
      for await (const { value, row } of parquetValues(file, {
        column: opts.column,
        signal: opts.signal,
        onBytes: (b) => {
          report.bytesRead = b;
        },
      })) {
        if (value === null || value === undefined || value === '') continue;
        const parsed =
          typeof value === 'string' && value.trimStart().startsWith('[{') ? tryJson(value) : value;
        const doc = documentOrSkip(
          report,
          row,
          Array.isArray(parsed) ? { messages: parsed } : parsed,
        );
        if (doc !== undefined) yield doc;
      }
    })();
  } else {
    const chunks = (async function* () {
      for await (const c of textChunks(file, tally, opts.signal)) {
        yield c;
        report.bytesRead = tally.bytes;
      }
      report.bytesRead = tally.bytes;
      if (tally.encoding !== undefined && tally.encoding !== 'utf-8') {
        report.encoding = tally.encoding;
      }
    })();
    docs =
      report.format === 'txt'
        ? txtDocuments(chunks, opts.txtMode ?? 'auto', report)
        : report.format === 'jsonl'
          ? jsonlDocuments(chunks, opts, report)
          : report.format === 'json'
            ? jsonDocuments(chunks, opts, report)
            : csvDocuments(
                report.format === 'tsv' ? csvRows(chunks, '\t') : sniffedCsvRows(chunks),
                opts,
                report,
              );
  }
  for await (const doc of docs) {
    report.documents++;
    if (doc.startsWith('[INST]')) report.chats = (report.chats ?? 0) + 1;
    yield doc;
  }
  report.sha256 =
    report.format === 'parquet' && opts.hash
      ? await hashFile(file, opts.signal)
      : tally.hash?.hex();
  if (report.documents === 0) {
    throw new FileError(
      'empty',
      file.name,
      report.skipped > 0
        ? `has no usable documents (${report.skipped} skipped)`
        : 'has no documents',
    );
  }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
