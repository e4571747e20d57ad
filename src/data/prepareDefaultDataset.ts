// Builds the studio's built-in dataset, public/data/default-corpus.txt.gz: the English sentences
// that the npm package nlp-corpus ships (MIT; attribution and terms in docs/datasets.md), one
// per line, so that the studio can train without a download. Runs before `vite` and `vite build`:
//
//   tsx src/data/prepareDefaultDataset.ts [--force]
//
// It does nothing when the file exists and is up to date (same source version).

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'public', 'data');
const out = join(outDir, 'default-corpus.txt.gz');
const stamp = join(outDir, 'default-corpus.source.json');

// The package exports only its entry (src/server/index.js), two folders below its root.
const require = createRequire(import.meta.url);
const pkgDir = join(dirname(require.resolve('nlp-corpus')), '..', '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
};
const source = { package: 'nlp-corpus', version: pkg.version, license: pkg.license };

const upToDate =
  existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(source);
if (upToDate && !process.argv.includes('--force')) {
  console.log(`default dataset up to date: ${out}`);
} else {
  const builds = join(pkgDir, 'builds');
  const files = readdirSync(builds)
    .filter((f) => /^doc-\d+\.json$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const f of files) {
    for (const s of JSON.parse(readFileSync(join(builds, f), 'utf8')) as unknown[]) {
      if (typeof s !== 'string') continue;
      // One document per line: fold inner line breaks and runs of spaces.
      const line = s.replace(/\s+/g, ' ').trim();
      if (line.length < 2 || seen.has(line)) continue;
      seen.add(line);
      lines.push(line);
    }
  }
  const text = `${lines.join('\n')}\n`;
  const gz = gzipSync(text, { level: 9 });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(out, gz);
  writeFileSync(stamp, JSON.stringify(source));
  console.log(
    `default dataset: ${lines.length} sentences, ${(text.length / 1e6).toFixed(1)} MB text, ` +
      `${(gz.length / 1e6).toFixed(1)} MB gzipped -> ${out}`,
  );
}
