import { describe, expect, it } from 'vitest';
import { agree, checkpointName, counted, epochs, ratio } from './format';

describe('formats shared by the panes', () => {
  it('writes ratios far below 1 with two significant digits, larger ones with fewer decimals, past 100 none', () => {
    expect([0.0012345, 0.051, 0.37, 1, 12.44, 314.2, 12_000_000].map(ratio)).toEqual([
      '0.0012',
      '0.051',
      '0.37',
      '1.00',
      '12.4',
      '314',
      '12,000,000',
    ]);
    expect(epochs(0.0013)).toBe('0.0013 epochs');
    expect(epochs(1)).toBe('1.00 epoch');
  });

  it('writes a count with its noun, singular for one, and the words that agree with it', () => {
    expect([0, 1, 2, 1500].map((n) => counted(n, 'document'))).toEqual([
      '0 documents',
      '1 document',
      '2 documents',
      '1,500 documents',
    ]);
    expect(counted(1, 'record')).toBe('1 record');
    expect(counted(3, 'child', 'children')).toBe('3 children');
    expect([1, 2].map((n) => agree(n, 'it resumes', 'they resume'))).toEqual([
      'it resumes',
      'they resume',
    ]);
  });

  it('names a checkpoint by its run and step, and says where it was imported', () => {
    expect(checkpointName({ runName: 'tiny #2', step: 1200, source: 'training' })).toBe(
      'tiny #2 · step 1,200',
    );
    expect(checkpointName({ runName: 'b', step: 3, source: 'import' })).toBe(
      'b · step 3 (imported)',
    );
  });
});
