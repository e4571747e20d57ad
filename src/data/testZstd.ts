import { execFileSync } from 'node:child_process';

/**
 * Bytes compressed by the zstd command-line tool (the reference implementation; .ci/run installs
 * it), with its options: what a user's .zst files are made with.
 */
export function zstdSync(input: string | Uint8Array, ...options: string[]): Uint8Array {
  return new Uint8Array(execFileSync('zstd', ['-q', '-c', ...options], { input }));
}
