// Sample documents of the selected dataset with their tokens, and any text the user types,
// tokenized the same way.

import { useMemo, useState } from 'react';
import { ChunkTokenizer } from '../../data/chunkTokenizer';
import type { DatasetManifest } from '../../data/shardStore';
import { count, counted } from '../common/format';

const visible = (t: string) => t.replaceAll(' ', '·').replaceAll('\n', '⏎').replaceAll('\t', '⇥');

/** A text's tokens under a tokenizer, as chips (whitespace made visible), with the counts. */
function TokenChips({
  tokenizer,
  text,
  testId,
}: {
  tokenizer: ChunkTokenizer;
  text: string;
  testId: string;
}) {
  const ids = useMemo(() => tokenizer.encode(text), [tokenizer, text]);
  const names = tokenizer.tokens(ids);
  const chars = [...text].length;
  return (
    <>
      <p className="muted" data-testid={`${testId}-count`}>
        {counted(ids.length, 'token')} for {counted(chars, 'character')}
        {ids.length > 0 && ` (${(chars / ids.length).toFixed(2)} characters a token)`}
      </p>
      <div data-testid={testId} className="sample-tokens">
        {names.map((t, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: tokens repeat; the position is the identity
          <span key={k} title={`id ${ids[k]}`}>
            {visible(t)}
          </span>
        ))}
      </div>
    </>
  );
}

/**
 * The longest text of the user's that the sample viewer tokenizes: it does so on the page at each
 * keystroke and draws a chip a token, so a pasted book would stall it (samples are cut as long).
 */
const OWN_TEXT_CHARS = 2000;

export function Samples({ d }: { d: DatasetManifest }) {
  const tokenizer = useMemo(() => ChunkTokenizer.fromJSON(d.tokenizer), [d.tokenizer]);
  const [i, setI] = useState(0);
  const [own, setOwn] = useState('');
  const text = d.samples[Math.min(i, d.samples.length - 1)] ?? '';
  return (
    <section className="card" data-testid="sample-viewer">
      <div className="row">
        <strong>
          Sample {i + 1} of {d.samples.length}
        </strong>
        <span>
          <button type="button" disabled={i === 0} onClick={() => setI(i - 1)}>
            Previous
          </button>{' '}
          <button type="button" disabled={i >= d.samples.length - 1} onClick={() => setI(i + 1)}>
            Next
          </button>
        </span>
      </div>
      <pre style={{ whiteSpace: 'pre-wrap' }}>{text}</pre>
      <TokenChips tokenizer={tokenizer} text={text} testId="sample-tokens" />
      <details className="own-text">
        <summary>Your own text, as this dataset's tokenizer reads it</summary>
        <textarea
          className="chat-input"
          rows={2}
          value={own}
          maxLength={OWN_TEXT_CHARS}
          placeholder={`Type or paste any text (up to ${count(OWN_TEXT_CHARS)} characters)`}
          aria-label="text to tokenize"
          onChange={(e) => setOwn(e.target.value)}
          data-testid="own-text"
        />
        <TokenChips tokenizer={tokenizer} text={own} testId="own-tokens" />
      </details>
    </section>
  );
}
