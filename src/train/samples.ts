// Text from the weights being trained, at each evaluation: the run's fixed prompt continued by
// the incremental decoder reading the trainer's parameter buffer in place (no copy of the
// weights), with the run's seed, so that samples of different steps differ only by training.
import { ChunkTokenizer, type ChunkTokenizerJson } from '../data/chunkTokenizer';
import { EOS_ID } from '../data/specialTokens';
import type { GpuRuntime } from '../gpu/runtime';
import type { I3Config } from '../model/config';
import { I3Decoder } from '../model/decode';
import { generateText, promptIds } from '../model/textGeneration';
import type { TrainSettings } from './checkpoint';
import { writesSamples } from './defaults';

/** Writes one sample of text from the current weights. */
export interface TextSampler {
  sample(): Promise<string>;
}

export class TrainingSampler implements TextSampler {
  private constructor(
    private readonly decoder: I3Decoder,
    private readonly tokenizer: ChunkTokenizer,
    private readonly prompt: Uint32Array,
    private readonly tokens: number,
    private readonly seed: number,
  ) {}

  /**
   * A sampler over `params` (the trainer's weights, params.ts's layout), or none when the
   * settings ask for no samples or no evaluations.
   */
  static async create(
    rt: GpuRuntime,
    params: GPUBuffer,
    config: I3Config,
    tokenizer: ChunkTokenizerJson,
    settings: TrainSettings,
  ): Promise<TrainingSampler | undefined> {
    if (!writesSamples(settings)) return undefined;
    const tokens = settings.sampleTokens ?? 0;
    const tok = ChunkTokenizer.fromJSON(tokenizer);
    const decoder = await I3Decoder.create(rt, config, { params });
    const text = settings.samplePrompt ?? '';
    const { ids } = promptIds(tok, { mode: 'completion', text }, decoder.window, tokens);
    return new TrainingSampler(decoder, tok, ids, tokens, settings.seed);
  }

  /** The prompt continued: up to `sampleTokens` tokens, fewer if the model ends the text. */
  async sample(): Promise<string> {
    let text = '';
    // Only <eos> ends a sample: a model of chat data writes whole turns, [INST] included.
    const options = {
      maxNewTokens: this.tokens,
      sampling: { seed: this.seed },
      stopTokens: [EOS_ID],
    };
    for await (const piece of generateText(this.decoder, this.tokenizer, this.prompt, options)) {
      text += piece.text;
    }
    return text;
  }

  destroy(): void {
    this.decoder.destroy();
  }
}
