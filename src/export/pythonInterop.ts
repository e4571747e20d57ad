// Node-only side of the export: the bundle's Python files read from disk, and a bridge to the
// PyTorch reference (src/export/hf/test_interop.py) that runs modeling_i3.py on an exported bundle
// so its logits can be compared with the WGSL forward.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../util/projectPath';
import type { PythonSources } from './bundle';

/** The one interpreter here with torch installed (1.13); the python3 on PATH has none. */
export const PYTHON = process.env.I3_PYTHON ?? '/usr/bin/python3';
const HF_DIR = projectPath('src/export/hf');
export const INTEROP_SCRIPT = join(HF_DIR, 'test_interop.py');

/** The bundle's Python files read from src/export/hf/ (the browser gets them from Vite). */
export function nodePythonSources(): PythonSources {
  const read = (name: string) => readFileSync(join(HF_DIR, name), 'utf8');
  return {
    'configuration_i3.py': read('configuration_i3.py'),
    'modeling_i3.py': read('modeling_i3.py'),
    'train_i3.py': read('train_i3.py'),
  };
}

export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs PYTHON with args, env added to this process's environment; never rejects. */
export function runPython(
  args: string[],
  timeoutMs = 120_000,
  env: Record<string, string> = {},
): Promise<PythonResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    const child = execFile(
      PYTHON,
      args,
      { maxBuffer: 64 << 20, env: { ...process.env, PYTHONFAULTHANDLER: '1', ...env } },
      (err, stdout, stderr) => {
        clearTimeout(timer);
        if (timedOut || err?.killed) {
          // Say so, since the output may look complete.
          resolve({
            code: 124,
            stdout,
            stderr: `${stderr}\nkilled: over the ${timeoutMs} ms time limit or 64 MiB of output`,
          });
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // Not execFile's own timeout, which closes the pipes first: stopped by SIGABRT, the process
    // prints every thread's Python stack (faulthandler) into stderr, so a hang says where it was.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGABRT');
    }, timeoutMs);
  });
}

/** Null when PYTHON can import torch, else why not (for a test's skip message). */
export async function torchUnavailable(): Promise<string | null> {
  const r = await runPython(['-c', 'import torch']);
  return r.code === 0
    ? null
    : `${PYTHON} cannot import torch (${r.stderr.trim().split('\n').at(-1) ?? 'not found'})`;
}

/**
 * Logits (B·T·V, row-major) of modeling_i3.py built from an extracted bundle folder, for tokens
 * given as one row or a batch of equal-length rows.
 */
export async function runPythonForward(
  bundleDir: string,
  tokens: number[] | number[][],
): Promise<Float32Array> {
  const rows = Array.isArray(tokens[0]) ? (tokens as number[][]) : [tokens as number[]];
  const work = await mkdtemp(join(tmpdir(), 'i3-forward-'));
  try {
    const tokensPath = join(work, 'tokens.json');
    const outPath = join(work, 'logits.json');
    await writeFile(tokensPath, JSON.stringify(rows));
    const r = await runPython([INTEROP_SCRIPT, 'forward', bundleDir, tokensPath, outPath]);
    if (r.code !== 0) throw new Error(`python forward failed (${r.code}): ${r.stdout}${r.stderr}`);
    const { logits } = JSON.parse(await readFile(outPath, 'utf8')) as { logits: number[] };
    return Float32Array.from(logits);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
