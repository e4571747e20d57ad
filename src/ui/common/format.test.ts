import { describe, expect, it } from 'vitest';
import { checkpointName, epochs, ratio } from './format';

describe('formats shared by the panes', () => {
  it('writes ratios far below 1 with two significant digits, larger ones with fixed decimals', () => {
    expect([0.0012345, 0.051, 0.37, 1, 12.44].map(ratio)).toEqual([
      '0.0012',
      '0.051',
      '0.37',
      '1.00',
      '12.4',
    ]);
    expect(epochs(0.0013)).toBe('0.0013 epochs');
    expect(epochs(1)).toBe('1.00 epoch');
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
