// A small exported-bundle input shared by the export tests (i3-test preset, seeded init).

import { PRESETS } from '../model/config';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/params';
import type { BundleInput } from './bundle';
import { nodePythonSources } from './pythonInterop';

export function testBundleInput(seed = 3): BundleInput {
  const config = PRESETS['i3-test'];
  return {
    modelName: 'i3-test-bundle',
    config,
    layout: parameterLayout(config),
    params: initParameters(config, seed),
    tokenizerJson: '{"version":"1.0","model":{"type":"WordPiece"}}',
    pythonSources: nodePythonSources(),
    metrics: {
      steps: [
        {
          step: 0,
          tokens: 32,
          time: 0.1,
          loss: 4.2,
          perplexity: 66.7,
          lr: 1e-5,
          gradNorm: 2,
          tokensPerSec: 320,
          stepMs: 100,
        },
      ],
      evals: [{ step: 0, tokens: 32, time: 0.1, valLoss: 4.3, valPerplexity: 73.7 }],
    },
  };
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
