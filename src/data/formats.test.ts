import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  ACCEPT,
  detectFormat,
  type FileReport,
  MAX_FILE_DOCUMENT_CHARS,
  newReport,
  type ParseOptions,
  parseFile,
} from './formats';
import { sha256Hex } from './sha256';
import { zstdSync } from './testZstd';
import { FileError } from './textStream';

/** Bytes from UTF-8 strings and raw byte values. */
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : p)));

/** A File whose stream() delivers the bytes in small chunks, to exercise chunk boundaries. */
function file(name: string, content: string | Uint8Array, chunk = 7): File {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content.slice();
  const f = new File([bytes], name);
  f.stream = () =>
    new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
        c.close();
      },
    });
  return f;
}

async function parse(
  f: File,
  opts: ParseOptions = {},
): Promise<{ docs: string[]; report: FileReport }> {
  const report = newReport(f);
  const docs: string[] = [];
  for await (const d of parseFile(f, report, { hash: true, ...opts })) docs.push(d);
  return { docs, report };
}

async function fileError(f: File, opts: ParseOptions = {}): Promise<FileError> {
  try {
    await parse(f, opts);
  } catch (e) {
    if (e instanceof FileError) return e;
    throw e;
  }
  throw new Error('expected a FileError');
}

describe('sha256', () => {
  it('matches node:crypto across block boundaries', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 200, 1000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      expect(sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});

describe('file formats', () => {
  it('detects formats by extension, through .gz and .zst', () => {
    expect(detectFormat('a.TXT')).toBe('txt');
    expect(detectFormat('a.jsonl.gz')).toBe('jsonl');
    expect(detectFormat('shard_0.JSONL.ZST')).toBe('jsonl');
    expect(detectFormat('a.zst')).toBeNull();
    expect(detectFormat('data.parquet')).toBe('parquet');
    expect(detectFormat('a.exe')).toBeNull();
    expect(detectFormat('README')).toBeNull();
    // Other plain text, source code and markup read as text; the file chooser offers them all.
    for (const name of ['notes.rst', 'subs.srt', 'model.py', 'main.rs', 'page.HTML', 'a.c.gz']) {
      expect(detectFormat(name)).toBe('txt');
      expect(ACCEPT.split(',')).toContain(`.${name.split('.')[1].toLowerCase()}`);
    }
  });

  it('reads source code one document per file where the layout is detected', async () => {
    const py = 'import math\n\n\ndef area(r):\n    return math.pi * r * r\n';
    const code = await parse(file('geometry.py', py));
    expect(code.report.mode).toBe('file');
    expect(code.docs).toEqual([py.trimEnd()]);
    // A layout chosen in the import options holds for code too; prose markup is detected.
    expect((await parse(file('g.py', py), { txtMode: 'lines' })).docs).toHaveLength(3);
    expect((await parse(file('doc.rst', 'Title\n=====\n\nBody.\n'))).report.mode).toBe(
      'paragraphs',
    );
  });

  it('reads .txt one document per line, or per paragraph, detected or chosen', async () => {
    const lines = await parse(file('a.txt', 'one\ntwo\r\n\nthree'));
    // A blank line between text means paragraphs.
    expect(lines.report.mode).toBe('paragraphs');
    expect(lines.docs).toEqual(['one\ntwo', 'three']);
    const forced = await parse(file('a.txt', 'one\ntwo\r\n\nthree'), { txtMode: 'lines' });
    expect(forced.docs).toEqual(['one', 'two', 'three']);
    const plain = await parse(file('b.txt', 'alpha beta\ngamma\n'));
    expect(plain.report.mode).toBe('lines');
    expect(plain.docs).toEqual(['alpha beta', 'gamma']);
    expect(plain.report.chats).toBe(0);
    expect(plain.report.sha256).toBe(sha256Hex('alpha beta\ngamma\n'));
    expect(plain.report.bytesRead).toBe(17);
  });

  it('reads .txt with <|endoftext|> separators (TinyStories) one document between each two', async () => {
    const stories =
      'Once there was a cat.\n\nThe cat slept.\n<|endoftext|>\nA dog ran.\n<|endoftext|>\n' +
      'Inline one.<|endoftext|>Inline two.\n<|endoftext|>\n';
    for (const chunk of [5, 64]) {
      const { docs, report } = await parse(file('TinyStories-train.txt', stories, chunk));
      expect(report.mode).toBe('separated');
      expect(docs).toEqual([
        'Once there was a cat.\n\nThe cat slept.',
        'A dog ran.',
        'Inline one.',
        'Inline two.',
      ]);
    }
    // Chosen, where the first separator comes later than detection looks.
    const late = `${'x'.repeat(70_000)}\n<|endoftext|>\nAfter.\n`;
    expect((await parse(file('late.txt', late, 4096))).report.mode).toBe('lines');
    const chosen = await parse(file('late.txt', late, 4096), { txtMode: 'separated' });
    expect(chosen.docs.map((d) => d.length)).toEqual([70_000, 6]);
  });

  it('reads .txt as one document per file where asked (a folder of essays), within a limit', async () => {
    const essay = '\r\nFirst paragraph,\r\nstill the first.\r\n\r\nSecond paragraph.\r\n\r\n';
    const whole = await parse(file('essay.txt', essay), { txtMode: 'file' });
    expect(whole.report.mode).toBe('file');
    expect(whole.docs).toEqual(['First paragraph,\nstill the first.\n\nSecond paragraph.']);
    expect(whole.report.documents).toBe(1);
    expect((await fileError(file('blank.txt', '\n \n'), { txtMode: 'file' })).kind).toBe('empty');
    const huge = 'x'.repeat(MAX_FILE_DOCUMENT_CHARS + 1);
    await expect(parse(file('huge.txt', huge, 1 << 20), { txtMode: 'file' })).rejects.toThrow(
      'huge.txt: is over 16,777,216 characters, too long for one document: import it with one document a line or a paragraph',
    );
  });

  it('recognises TinyChat lines and renders them through the chat template', async () => {
    const { docs, report } = await parse(
      file(
        'tinychat.txt',
        '[INST] Hi! [/INST] Hello there.\n[INST] a [/INST] b [INST] c [/INST] d</s>\n',
      ),
    );
    expect(docs).toEqual([
      '[INST] Hi! [/INST] Hello there.<eos>',
      '[INST] a [/INST] b<eos>[INST] c [/INST] d<eos>',
    ]);
    expect(report.chats).toBe(2);
  });

  it('reads .jsonl text and chat messages, skipping malformed lines by number', async () => {
    const src = [
      '{"text": "plain 😀"}',
      '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}',
      '{"text": broken',
      '',
      '{"other": 1}',
      '"a bare string"',
    ].join('\n');
    const { docs, report } = await parse(file('d.jsonl', src));
    expect(docs).toEqual(['plain 😀', '[INST] q [/INST] a<eos>', 'a bare string']);
    expect(report.skipped).toBe(2);
    // Of the three documents, one is a conversation.
    expect(report.chats).toBe(1);
    expect(report.issues.map((i) => i.line)).toEqual([3, 5]);
    expect(report.issues[0].message).toMatch(/malformed JSON/);
  });

  it('reads instruction datasets as chats: Alpaca, Dolly, OpenOrca, ShareGPT, prompt and completion', async () => {
    const records = [
      { instruction: 'Give a tip.', input: '', output: 'Sleep.' }, // Alpaca, no input
      { instruction: 'Sum these.', input: '2 and 3', output: '5' },
      {
        instruction: 'Who wrote it?',
        context: 'Hamlet.',
        response: 'Shakespeare.',
        category: 'qa',
      },
      { system_prompt: 'Be brief.', question: 'Sky colour?', response: 'Blue.' },
      {
        conversations: [
          { from: 'human', value: 'Hi' },
          { from: 'gpt', value: 'Hello!' },
        ],
      },
      { prompt: 'Say hi', completion: 'hi' },
      { Question: 'Two plus two?', Answer: 'Four.' },
      { instruction: 'No reply', output: 7 },
      { conversations: [{ from: 'narrator', value: '?' }] },
    ];
    const want = [
      '[INST] Give a tip. [/INST] Sleep.<eos>',
      '[INST] Sum these.\n\n2 and 3 [/INST] 5<eos>',
      '[INST] Who wrote it?\n\nHamlet. [/INST] Shakespeare.<eos>',
      '[INST] Be brief.\n\nSky colour? [/INST] Blue.<eos>',
      '[INST] Hi [/INST] Hello!<eos>',
      '[INST] Say hi [/INST] hi<eos>',
      '[INST] Two plus two? [/INST] Four.<eos>',
    ];
    const jsonl = await parse(file('i.jsonl', records.map((r) => JSON.stringify(r)).join('\n')));
    expect(jsonl.docs).toEqual(want);
    expect(jsonl.report.chats).toBe(7);
    expect(jsonl.report.issues.map((i) => i.message)).toEqual([
      '"instruction" and "output" must both be text',
      '"conversations" must be a list of {role: system|user|assistant, content} or {from: human|gpt, value}',
    ]);
    // As columns of a table: CSV, and parquet (Hugging Face's form), read only for those columns.
    const csv = 'instruction,input,output,id\nSum these.,2 and 3,5,1\nGive a tip.,,Sleep.,2\n';
    expect((await parse(file('alpaca.csv', csv))).docs).toEqual([want[1], want[0]]);
    const table = parquetWriteBuffer({
      columnData: [
        { name: 'instruction', data: ['Sum these.', 'Give a tip.'], type: 'STRING' },
        { name: 'input', data: ['2 and 3', ''], type: 'STRING' },
        { name: 'output', data: ['5', 'Sleep.'], type: 'STRING' },
      ],
    });
    const pq = await parse(file('alpaca.parquet', new Uint8Array(table)));
    expect(pq.docs).toEqual([want[1], want[0]]);
    // A column chosen in the import options is read alone, as text.
    expect((await parse(file('a.csv', csv), { column: 'output' })).docs).toEqual(['5', 'Sleep.']);
    const none = await fileError(file('n.csv', 'a,output\n1,2\n'));
    expect(none.message).toMatch(/nor instruction and output columns: choose one of a, output/);
    // A chat before the text that some datasets write out in their own format (tatsu-lab/alpaca).
    const written = { ...records[1], text: '### Instruction:\nSum these.' };
    expect((await parse(file('t.jsonl', JSON.stringify(written)))).docs).toEqual([want[1]]);
  });

  it('reads JSON records by a conventional text field, or the one chosen; offers the fields where none holds text', async () => {
    const stories = [
      { id: 1, story: 'Once upon a time.' },
      { id: 2, story: 'The end.' },
    ];
    const jsonl = stories.map((r) => JSON.stringify(r)).join('\n');
    const refused = await fileError(file('s.jsonl', jsonl));
    expect(refused.kind).toBe('column');
    expect(refused.columns).toEqual(['id', 'story']);
    expect(refused.message).toBe(
      's.jsonl: has no "text" or "messages" field, nor instruction and output fields: choose one of id, story',
    );
    const chosen = await parse(file('s.json', JSON.stringify(stories)), { column: 'story' });
    expect(chosen.docs).toEqual(['Once upon a time.', 'The end.']);
    expect((await parse(file('c.jsonl', '{"content": "Body text."}'))).docs).toEqual([
      'Body text.',
    ]);
  });

  it('reads .json arrays (objects and strings) and reports truncation', async () => {
    const arr = await parse(
      file('d.json', '[{"text": "a, [b]"}, "c\\"", {"text": 5}, {"text": "d}"}]'),
    );
    expect(arr.docs).toEqual(['a, [b]', 'c"', 'd}']);
    expect(arr.report.skipped).toBe(1);
    const lines = await parse(file('d.json', '{"text": "x"}\n{"text": "y"}\n'));
    expect(lines.docs).toEqual(['x', 'y']);
    const cut = await parse(file('d.json', '[{"text": "x"},\n{"text": "y'));
    expect(cut.docs).toEqual(['x']);
    expect(cut.report.issues[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/truncated/),
    });
  });

  it('reads .csv with quotes, escaped quotes and newlines; skips malformed rows by line', async () => {
    const src =
      'id,text\r\n1,"hello, ""world""\nsecond line"\r\n2,plain\n3,bad"quote\n4\n5,"never closed\n';
    const { docs, report } = await parse(file('d.csv', src, 3));
    expect(docs).toEqual(['hello, "world"\nsecond line', 'plain']);
    expect(report.issues.map((i) => i.line)).toEqual([5, 6, 7]);
    const tsv = await parse(file('d.tsv', 'body\tn\nx y\t1\n'));
    expect(tsv.docs).toEqual(['x y']);
    const chosen = await parse(file('e.csv', 'a,b\n1,2\n'), { column: 'b' });
    expect(chosen.docs).toEqual(['2']);
    const missing = await fileError(file('e.csv', 'a,b\n1,2\n'));
    expect(missing.kind).toBe('column');
    expect(missing.columns).toEqual(['a', 'b']);
  });

  it("reads a .csv split by its header's delimiter: semicolons as Excel saves them in Europe, or tabs", async () => {
    // A header without a comma outside quotes, read across chunks of 3 characters.
    const excel = '"Note, 1-5";text\r\n4;"Très bien; vraiment."\r\n2;Bof, 2,5 sur 5\r\n';
    const eu = await parse(file('avis.csv', excel, 3));
    expect(eu.docs).toEqual(['Très bien; vraiment.', 'Bof, 2,5 sur 5']);
    expect(eu.report.skipped).toBe(0);
    expect((await parse(file('t.csv', 'n\ttext\n1\tx, y; z\n'))).docs).toEqual(['x, y; z']);
    // A comma in the header keeps commas, whatever else the rows hold; so does a lone column.
    expect((await parse(file('c.csv', 'text,n\na; b,1\n'))).docs).toEqual(['a; b']);
    expect((await parse(file('one.csv', 'text\nsolo; row\n'))).docs).toEqual(['solo; row']);
  });

  it('reads gzipped files', async () => {
    const { docs } = await parse(file('d.jsonl.gz', gzipSync('{"text":"zipped"}\n'), 5));
    expect(docs).toEqual(['zipped']);
    expect((await fileError(file('d.txt.gz', 'not gzip at all'))).kind).toBe('corrupt');
  });

  it('reads Zstandard files as the zstd tool writes them, and refuses damaged, cut-off or foreign ones', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => `{"text":"record ${i} of a shard"}\n`);
    const jsonl = records.join('');
    const want = records.map((_, i) => `record ${i} of a shard`);
    // Small chunks (blocks span many of them), a long window, and a file of two frames (zstd
    // files concatenated, as `cat a.zst b.zst` makes).
    for (const zst of [
      zstdSync(jsonl),
      zstdSync(jsonl, '-19', '--long=27'),
      Uint8Array.from([...zstdSync(jsonl.slice(0, 1000)), ...zstdSync(jsonl.slice(1000))]),
    ]) {
      for (const chunk of [5, 4096]) {
        const { docs, report } = await parse(file('shard.jsonl.zst', zst, chunk));
        expect(docs).toEqual(want);
        expect(report.format).toBe('jsonl');
        expect(report.bytesRead).toBe(zst.length);
      }
    }
    const whole = zstdSync(jsonl);
    const cut = await fileError(file('cut.jsonl.zst', whole.slice(0, whole.length - 20), 64));
    expect(cut.kind).toBe('corrupt');
    expect(cut.message).toMatch(/could not be read or decompressed/);
    expect((await fileError(file('d.txt.zst', 'not zstd at all'))).kind).toBe('corrupt');

    // Text the tool stored as it is (no matches, literals uncompressed): a byte flipped in it
    // decodes without a complaint from fzstd, and the frame's checksum catches it.
    let x = 7;
    const letters = Array.from({ length: 6000 }, () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return 'abcdefghij klmnopqrstuvwxyz\n'[x >>> 27];
    }).join('');
    const stored = zstdSync(letters, '--no-compress-literals');
    expect((await parse(file('s.txt.zst', stored, 64))).report.bytesRead).toBe(stored.length);
    const flipped = stored.slice();
    flipped[stored.length >> 1] ^= 0x01;
    const damaged = await fileError(file('s.txt.zst', flipped, 64));
    expect(damaged.kind).toBe('corrupt');
    expect(damaged.message).toMatch(/a Zstandard frame fails its checksum: the file is damaged/);
    // Without a checksum in the file there is nothing to check against.
    const unchecked = await parse(file('u.txt.zst', zstdSync(letters, '--no-check'), 64));
    expect(unchecked.docs.join('\n').length).toBeGreaterThan(5000);
  });

  it('reads .parquet row group by row group', async () => {
    const bytes = readFileSync(new URL('./fixtures/sample.parquet', import.meta.url));
    const { docs, report } = await parse(file('s.parquet', bytes));
    expect(docs).toEqual([
      'First parquet document.',
      'Second, with "quotes".',
      '[INST] hi [/INST] hello<eos>',
    ]);
    expect(report.chats).toBe(1);
    expect(report.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(report.bytesRead).toBe(bytes.length);
    expect((await fileError(file('s.parquet', bytes), { column: 'nope' })).kind).toBe('column');
    expect((await fileError(file('bad.parquet', 'PAR1 nonsense'))).kind).toBe('corrupt');
  });

  it('rejects binary, non-UTF-8, empty and unknown files with a clear message', async () => {
    expect((await fileError(file('b.txt', new Uint8Array([104, 105, 0, 1, 2])))).kind).toBe(
      'binary',
    );
    // UTF-8 text with a Latin-1 'é' after its own 'é' is neither encoding.
    const mixed = await fileError(file('m.txt', new Uint8Array([0xc3, 0xa9, 97, 0xe9, 10])));
    expect(mixed.kind).toBe('encoding');
    expect(mixed.message).toMatch(/not UTF-8 text .* byte offset 3\); save it as UTF-8/);
    expect(() => newReport(file('e.txt', ''))).toThrow(/has no text in it/);
    expect((await fileError(file('w.txt', '\n \n\n'))).kind).toBe('empty');
    expect(() => newReport(file('x.exe', 'abc'))).toThrow(/not a supported file type/);
    // Kinds people keep text in say what to save them as.
    expect(() => newReport(file('reviews.XLSX', 'abc'))).toThrow(
      'reviews.XLSX: is a spreadsheet, which the studio does not read: save it as CSV (in Excel: File → Save As → "CSV UTF-8") and drop that',
    );
    expect(() => newReport(file('essay.docx', 'abc'))).toThrow(/is a document, .* "Plain Text"/);
    expect(() => newReport(file('paper.pdf', 'abc'))).toThrow(/is a PDF, .* into a \.txt file/);
    expect(() => newReport(file('x.parquet.gz', 'abc'))).toThrow(/compressed parquet/);
    expect(() => newReport(file('x.parquet.zst', 'abc'))).toThrow(/compressed parquet/);
  });

  it('reads UTF-16 text by its byte-order mark, either byte order, and says where it breaks', async () => {
    const text = 'First line, café.\nSecond line: 𝄞 and 中文.\n';
    const utf16 = (bigEndian: boolean) => {
      const le = Buffer.from(`\ufeff${text}`, 'utf16le');
      return bigEndian ? le.swap16() : le;
    };
    for (const name of ['le.txt', 'be.txt']) {
      const bytes = utf16(name === 'be.txt');
      for (const chunk of [7, 64]) {
        const { docs, report } = await parse(file(name, bytes, chunk));
        expect(docs).toEqual(['First line, café.', 'Second line: 𝄞 and 中文.']);
        expect(report.bytesRead).toBe(bytes.length);
      }
    }
    // Through .gz, and a lone surrogate (d800) that no UTF-16 text holds.
    const { docs } = await parse(file('le.txt.gz', gzipSync(utf16(false))));
    expect(docs).toHaveLength(2);
    const broken = Buffer.concat([utf16(false), Buffer.from([0x00, 0xd8, 0x41, 0x00])]);
    const error = await fileError(file('broken.txt', broken, 64));
    expect(error.kind).toBe('encoding');
    expect(error.message).toContain('starts as UTF-16 text (little-endian) but breaks off');
  });

  it('says where a file stops being UTF-8, however its chunks split the characters', async () => {
    // Each file has UTF-8 text ('é', two bytes) before its bad byte: not Windows-1252 (below).
    const offset = async (name: string, content: Uint8Array, chunk = 7) =>
      Number((await fileError(file(name, content, chunk))).message.match(/byte offset (\d+)/)?.[1]);
    // A Latin-1 é at the end of one chunk, refused only in the next.
    expect(await offset('a.txt', bytes('é', 'a'.repeat(18), [0xe9], 'bbbbb'))).toBe(20);
    // A UTF-8 é split over two chunks is fine; the 0xff after it is not.
    expect(await offset('b.txt', bytes('aaaaaa', 'é', 'x', [0xff], 'yy'))).toBe(9);
    // An unfinished last character, and a stray continuation byte mid-chunk.
    expect(await offset('c.txt', bytes('é', 'c', [0xe2, 0x82]))).toBe(3);
    expect(await offset('d.txt', bytes('é', [0x80], 'cdefgh'), 64)).toBe(2);
    // In a .gz file the offset counts the decompressed text, and the message says so.
    const gz = await fileError(file('e.txt.gz', gzipSync(bytes('hellé', [0xc3, 0x28]))));
    expect(gz.message).toMatch(/byte offset 6 of the decompressed text/);
    const zst = await fileError(file('e.txt.zst', zstdSync(bytes('hellé', [0xc3, 0x28]))));
    expect(zst.message).toMatch(/byte offset 6 of the decompressed text/);
  });

  it('reads text that is ASCII up to a byte UTF-8 refuses as Windows-1252, and says so', async () => {
    // What Excel saves as CSV on a Western European Windows: é, ç, smart quotes, €.
    const csv = 'text\n"“Déjà vu”, said the café owner: 5 € a cup."\n"Façade, naïve, Straße."\n';
    const cp1252 = Buffer.from(
      [...csv].map((ch) => ({ '“': 0x93, '”': 0x94, '€': 0x80 })[ch] ?? ch.charCodeAt(0)),
    );
    const want = ['“Déjà vu”, said the café owner: 5 € a cup.', 'Façade, naïve, Straße.'];
    // Chunks of 1 and 7 bytes split the file at every place, a held 'é' among them.
    for (const chunk of [1, 7, 64]) {
      const { docs, report } = await parse(file('excel.csv', cp1252, chunk));
      expect(docs).toEqual(want);
      expect(report.encoding).toBe('windows-1252');
      expect(report.bytesRead).toBe(cp1252.length);
    }
    // Through .gz; and where the last byte is the first over 0x7f, which UTF-8 refuses only at
    // the end.
    expect((await parse(file('excel.csv.gz', gzipSync(cp1252)))).docs).toEqual(want);
    expect((await parse(file('end.txt', bytes('one\ncaf', [0xe9])))).docs).toEqual(['one', 'café']);
    // UTF-8 and UTF-16 files say nothing of their encoding, nor do UTF-16 ones need to.
    expect((await parse(file('u.txt', 'café\n'))).report.encoding).toBeUndefined();
    const le = Buffer.from('\ufeffcafé\n', 'utf16le');
    expect((await parse(file('le.txt', le))).report.encoding).toBe('utf-16le');
    // Runs of bytes over 0x7f are another legacy encoding, which 1252 would garble: Windows-1251
    // Russian ("Привет, мир" ×3) is refused, as UTF-8 text with a BOM and a bad byte after it.
    const cyrillic = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x2c, 0x20, 0xec, 0xe8, 0xf0, 0x0a];
    const russian = await fileError(
      file('ru.txt', bytes('hi\n', [...cyrillic, ...cyrillic, ...cyrillic])),
    );
    expect(russian.message).toMatch(/not UTF-8 text .* byte offset 3\)/);
    const bom = await fileError(
      file('bom.txt', bytes([0xef, 0xbb, 0xbf], 'a'.repeat(20), [0xe9, 10])),
    );
    expect(bom.message).toMatch(/byte offset 23\)/);
  });
});
