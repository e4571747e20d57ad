import { describe, expect, it } from 'vitest';
import { fileStem } from './fileStem';

describe('a name as the stem of a file name', () => {
  it('keeps letters, digits, dots and dashes, and turns each run of anything else into a dash', () => {
    expect(fileStem('i3-test #1')).toBe('i3-test-1');
    expect(fileStem('tinychat.txt + docs.jsonl')).toBe('tinychat.txt-docs.jsonl');
    expect(fileStem('Lowest validation loss by peak learning rate')).toBe(
      'Lowest-validation-loss-by-peak-learning-rate',
    );
  });

  it('leaves no dash at either end', () => {
    expect(fileStem('nlp-corpus (built-in)')).toBe('nlp-corpus-built-in');
    expect(fileStem('loss by learning rate (the sweep)')).toBe('loss-by-learning-rate-the-sweep');
    expect(fileStem('  «run»  ')).toBe('run');
  });

  it('keeps the letters of any script, and names something that has none', () => {
    expect(fileStem('модель №2')).toBe('модель-2');
    expect(fileStem('日本語 corpus')).toBe('日本語-corpus');
    expect(fileStem('«»')).toBe('i3');
    expect(fileStem('«»', 'model')).toBe('model');
  });
});
