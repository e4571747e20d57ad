// The training loop, shared by the browser worker and the Node CLI. It owns the schedule,
// evaluation and checkpoint cadence, pause/resume/stop and the metrics history; the model does
// the GPU work and the batch source supplies tokens. Steps are pipelined: the loop queues the
// next step while the GPU still runs the last one and reads each step's loss back later, so it
// never stalls the GPU on a readback.
import type { ChunkTokenizerJson } from '../data/chunkTokenizer';
import type { I3Config } from '../model/config';
import type { Checkpoint, CheckpointMeta, TrainSettings } from './checkpoint';
import { earlyStopReason } from './earlyStop';
import {
  type EvalMetrics,
  emptyHistory,
  type MetricsHistory,
  partNormsKept,
  perplexity,
  type StepMetrics,
} from './metrics';
import type { TextSampler } from './samples';
import { type LrSchedule, learningRate, type Reschedule, rescheduled } from './schedule';

export interface StepStats {
  loss: number;
  gradNorm: number;
  /** The norm of each part of the gradient (gradientParts: embedding, blocks' halves, ...). */
  partNorms: number[];
}

export interface TrainerModel {
  /**
   * Records and submits one optimizer step over the micro-batches (each B × (T+1) tokens).
   * Resolves once the GPU has finished it and its statistics have been read back.
   */
  step(microBatches: Uint32Array[], lr: number, stepNumber: number): Promise<StepStats>;
  /** Mean loss over the batches (forward only). */
  evaluate(batches: Uint32Array[]): Promise<number>;
  readState(): Promise<{ params: Float32Array; adamM: Float32Array; adamV: Float32Array }>;
}

export interface BatchSource {
  nextTrainBatch(): Promise<Uint32Array>;
  validationBatches(count: number): Promise<Uint32Array[]>;
  /** A serialisable position, restored on resume so the run continues with the same data. */
  cursor(): unknown;
  /** Passes over the training data so far (fractional). */
  epochs(): number;
}

export interface RunIdentity {
  runId: string;
  name: string;
  config: I3Config;
  settings: TrainSettings;
  tokenizerId: string;
  tokenizer: ChunkTokenizerJson;
  datasetId: string;
}

/** What the loop does between steps where that takes a while (the UI says so). */
export type TrainerActivity = 'evaluating' | 'sampling' | 'checkpointing';

export interface TrainerEvents {
  onStep(m: StepMetrics): void;
  onEval(m: EvalMetrics): void;
  /** Stores a checkpoint; CheckpointNotStoredError where storage refused it (the run goes on). */
  onCheckpoint(ck: Checkpoint): Promise<void>;
  onState(state: RunState, message?: string): void;
  /** An activity starts (undefined: it ended and steps follow). */
  onActivity?(activity: TrainerActivity | undefined): void;
  /** The run's schedule changed while it trains (reschedule): stored with the run from now on. */
  onSchedule?(schedule: LrSchedule): void;
}

export type RunState = 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Where a run starts: fresh, or from a checkpoint's counters and history. */
export interface RunStart {
  step: number;
  tokens: number;
  time: number;
  metrics: MetricsHistory;
}

export const freshStart = (): RunStart => ({
  step: 0,
  tokens: 0,
  time: 0,
  metrics: emptyHistory(),
});

export class NonFiniteLossError extends Error {}

/**
 * A checkpoint that storage refused (a full browser storage). The run goes on with its weights on
 * the GPU and the next save tries again; any other error from onCheckpoint ends the run.
 */
export class CheckpointNotStoredError extends Error {}

/** The state's message of a run that ended but could not store its last checkpoint. */
export const UNSTORED_END =
  'The last checkpoint could not be stored, so the run holds its weights, paused. Free storage ' +
  '(delete datasets, runs or checkpoints you no longer need), then press Resume or Stop to ' +
  'store it. Closing the page discards them.';

/** How many steps may be queued on the GPU before the loop waits for the oldest. */
export const STEPS_IN_FLIGHT = 2;

export class Trainer {
  private state: RunState = 'running';
  private pauseRequested = false;
  private stopRequested = false;
  private resumeWaiter?: () => void;
  /**
   * The step of the newest checkpoint of this run: a pause or a stop right after an interval's
   * checkpoint (or right after resuming from one) saves no second copy of it. A fresh run starts
   * at 0, so a stop before its first step saves nothing: its seed gives its initial weights.
   */
  private savedStep: number;
  step: number;
  tokens: number;
  time: number;
  readonly metrics: MetricsHistory;

  constructor(
    private readonly model: TrainerModel,
    private readonly data: BatchSource,
    private readonly run: RunIdentity,
    private readonly events: TrainerEvents,
    start: RunStart = freshStart(),
    /** Writes a sample of text at each evaluation, from the weights as they are then. */
    private readonly sampler?: TextSampler,
  ) {
    this.step = start.step;
    this.tokens = start.tokens;
    this.time = start.time;
    this.metrics = start.metrics;
    this.savedStep = start.step;
  }

  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.resumeWaiter?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.resumeWaiter?.();
  }

  /** The schedule the run follows now. */
  get schedule(): LrSchedule {
    return this.run.settings.schedule;
  }

  /**
   * Takes the change `to` at the step reached (rescheduled): the schedule it makes, now followed,
   * or undefined where the schedule takes no such change there.
   */
  rescheduleTo(to: Reschedule): LrSchedule | undefined {
    const next = rescheduled(this.schedule, this.step, to);
    if (next) this.reschedule(next);
    return next;
  }

  /**
   * Follows `schedule` from the next step on (the loop reads the schedule each step), where it
   * leaves steps to train: e.g. a warm-up-stable-decay run cooling down now (coolDownFrom).
   */
  reschedule(schedule: LrSchedule): void {
    if (!(schedule.totalSteps > this.step)) {
      throw new Error(`a schedule ending at step ${schedule.totalSteps} leaves nothing to train`);
    }
    this.run.settings.schedule = schedule;
    this.events.onSchedule?.(schedule);
  }

  private setState(state: RunState, message?: string): void {
    this.state = state;
    this.events.onState(state, message);
  }

  get current(): RunState {
    return this.state;
  }

  /** Trains until the schedule's last step, a stop, or a failure. */
  async train(): Promise<RunState> {
    const s = this.run.settings;
    const { batchSize, seqLen, accumSteps } = s;
    const tokensPerStep = batchSize * seqLen * accumSteps;
    const inFlight: Promise<void>[] = [];
    const drain = async () => {
      while (inFlight.length) await inFlight.shift();
    };
    let lastDone = performance.now();
    let failure: Error | undefined;
    // Early stopping counts this session's evaluations only (earlyStop.ts).
    const firstEval = this.metrics.evals.length;
    let early: string | undefined;
    this.setState('running');
    try {
      while (this.step < s.schedule.totalSteps && !this.stopRequested && !failure) {
        const stepNumber = this.step;
        const lr = learningRate(s.schedule, stepNumber);
        const micro: Uint32Array[] = [];
        for (let i = 0; i < accumSteps; i++) micro.push(await this.data.nextTrainBatch());
        const epochs = this.data.epochs();
        const done = this.model.step(micro, lr, stepNumber + 1).then((stats) => {
          const now = performance.now();
          const stepMs = now - lastDone;
          lastDone = now;
          if (!Number.isFinite(stats.loss)) {
            throw new NonFiniteLossError(
              `The loss became ${stats.loss} at step ${stepNumber + 1}. Training stopped; the ` +
                'last good checkpoint is kept. Lower the learning rate or raise the warm-up, ' +
                'then resume from that checkpoint or start again.',
            );
          }
          this.time += stepMs / 1000;
          this.tokens += tokensPerStep;
          const m: StepMetrics = {
            step: stepNumber + 1,
            tokens: this.tokens,
            time: this.time,
            loss: stats.loss,
            perplexity: perplexity(stats.loss),
            lr,
            gradNorm: stats.gradNorm,
            tokensPerSec: tokensPerStep / (stepMs / 1000),
            stepMs,
            epochs,
          };
          if (partNormsKept(m.step, s.schedule.totalSteps)) m.partGradNorms = stats.partNorms;
          this.metrics.steps.push(m);
          this.events.onStep(m);
        });
        this.step++;
        inFlight.push(
          done.catch((e) => {
            failure = e as Error;
          }),
        );
        if (inFlight.length >= STEPS_IN_FLIGHT) await inFlight.shift();

        const last = this.step === s.schedule.totalSteps;
        if (s.evalInterval > 0 && (this.step % s.evalInterval === 0 || last)) {
          await drain();
          if (failure) break;
          await this.evaluate();
          early = earlyStopReason(this.metrics.evals, s.earlyStopPatience, firstEval);
          if (early) break;
          lastDone = performance.now();
        }
        if (s.checkpointInterval > 0 && this.step % s.checkpointInterval === 0 && !last) {
          await drain();
          if (failure) break;
          await this.saveCheckpoint();
          lastDone = performance.now();
        }
        if (this.pauseRequested && !this.stopRequested) {
          await drain();
          if (failure) break;
          await this.saveCheckpoint();
          await this.pausedUntilAsked();
          if (!this.stopRequested) this.setState('running');
          lastDone = performance.now();
        }
      }
      await drain();
      // A stop between evaluations: the checkpoint it saves gets a validation loss of its own
      // step, as the scheduled ones have (the Checkpoints pane and each run's best read it).
      const evaluated = this.metrics.evals.at(-1)?.step === this.step;
      if (!failure && this.stopRequested && s.evalInterval > 0 && !evaluated) {
        if (this.step !== this.savedStep) await this.evaluate();
      }
    } catch (e) {
      failure = e as Error;
    }
    if (failure) {
      this.setState('failed', failure.message);
      return this.state;
    }
    // The weights go with the run: until its last checkpoint is stored it holds them, paused,
    // and each resume or stop tries again.
    while (!(await this.saveCheckpoint())) await this.holdUnstored();
    const done = early !== undefined || this.step >= s.schedule.totalSteps;
    this.setState(done ? 'finished' : 'stopped', early);
    return this.state;
  }

  /** Pauses the ended run, whose last checkpoint storage refused, until a resume or a stop. */
  private async holdUnstored(): Promise<void> {
    this.pauseRequested = true;
    this.stopRequested = false;
    await this.pausedUntilAsked(UNSTORED_END);
    this.pauseRequested = false;
  }

  /** Paused (with `message`) until a resume or a stop, one asked even as the state is set. */
  private async pausedUntilAsked(message?: string): Promise<void> {
    this.setState('paused', message);
    await new Promise<void>((resolve) => {
      this.resumeWaiter = resolve;
      if (!this.pauseRequested || this.stopRequested) resolve();
    });
    this.resumeWaiter = undefined;
  }

  /** Runs `work` as `activity`, announced to the events before and cleared after. */
  private async during<T>(activity: TrainerActivity, work: () => Promise<T>): Promise<T> {
    this.events.onActivity?.(activity);
    try {
      return await work();
    } finally {
      this.events.onActivity?.(undefined);
    }
  }

  private async evaluate(): Promise<void> {
    const valLoss = await this.during('evaluating', async () => {
      const batches = await this.data.validationBatches(this.run.settings.evalBatches);
      return batches.length === 0 ? undefined : await this.model.evaluate(batches);
    });
    if (valLoss === undefined) return;
    const m: EvalMetrics = {
      step: this.step,
      tokens: this.tokens,
      time: this.time,
      valLoss,
      valPerplexity: perplexity(valLoss),
    };
    const { sampler } = this;
    if (sampler) m.sample = await this.during('sampling', () => sampler.sample());
    this.metrics.evals.push(m);
    this.events.onEval(m);
  }

  /** Saves a checkpoint unless this step has one; false where storage refused it. */
  private async saveCheckpoint(): Promise<boolean> {
    if (this.step === this.savedStep) return true;
    try {
      await this.during('checkpointing', () => this.writeCheckpoint());
    } catch (e) {
      if (e instanceof CheckpointNotStoredError) return false;
      throw e;
    }
    this.savedStep = this.step;
    return true;
  }

  private async writeCheckpoint(): Promise<void> {
    const { params, adamM, adamV } = await this.model.readState();
    const meta: CheckpointMeta = {
      runId: this.run.runId,
      name: this.run.name,
      step: this.step,
      tokens: this.tokens,
      time: this.time,
      createdAt: Date.now(),
      config: this.run.config,
      settings: this.run.settings,
      tokenizerId: this.run.tokenizerId,
      tokenizer: this.run.tokenizer,
      datasetId: this.run.datasetId,
      dataCursor: this.data.cursor(),
      metrics: structuredClone(this.metrics),
    };
    await this.events.onCheckpoint({ meta, params, adamM, adamV });
  }
}
