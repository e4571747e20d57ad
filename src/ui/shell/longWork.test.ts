import { describe, expect, it } from 'vitest';
import { isWorking, leaveWarning } from './longWork';

describe('work in flight', () => {
  it('says what closing the page would lose, and nothing when nothing is in flight', () => {
    expect(leaveWarning({ importing: false, exporting: false })).toBeUndefined();
    expect(leaveWarning({ run: 'paused', importing: false, exporting: false })).toBe(
      "Closing the studio now loses the run's training since its last checkpoint.",
    );
    expect(leaveWarning({ importing: true, exporting: true })).toBe(
      'Closing the studio now loses the import and the export.',
    );
    expect(leaveWarning({ run: 'running', importing: true, exporting: true })).toBe(
      "Closing the studio now loses the run's training since its last checkpoint, the import " +
        'and the export.',
    );
  });

  it('keeps the screen on for work that runs, not for a paused run', () => {
    expect(isWorking({ run: 'paused', importing: false, exporting: false })).toBe(false);
    expect(isWorking({ run: 'running', importing: false, exporting: false })).toBe(true);
    expect(isWorking({ importing: true, exporting: false })).toBe(true);
    expect(isWorking({ importing: false, exporting: true })).toBe(true);
  });
});
