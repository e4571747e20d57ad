import { describe, expect, it } from 'vitest';
import { filesName, filesSubject, folderOf, listNames } from './fileNames';

const many = Array.from({ length: 1200 }, (_, i) => `essays/essay-${i}.txt`);

describe("an import's files by name", () => {
  it('tell the folder they came from', () => {
    expect(folderOf('notes/2024/a.txt')).toBe('notes');
    expect(folderOf('a.txt')).toBeUndefined();
    expect(folderOf('reviews.zip/data/train.csv')).toBe('reviews.zip');
  });

  it('are listed three at most, in messages, names and the import under way', () => {
    expect(listNames(['a', 'b'])).toBe('a, b');
    expect(listNames(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c, and 2 more');
    expect(filesName(['a.txt', 'b.txt', 'c.txt'])).toBe('a.txt + b.txt + c.txt');
    expect(filesName(['a.txt', 'b.txt', 'c.txt', 'd.txt'])).toBe('a.txt + b.txt + 2 more');
    expect(filesSubject(many)).toBe('essays (1,200 files)');
    expect(filesSubject(['a.txt', ...many])).toBe(
      'a.txt, essays/essay-0.txt, essays/essay-1.txt, and 1,198 more',
    );
  });
});
