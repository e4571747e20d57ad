// Typed handles on the workers. The UI talks to a worker only through these.
import type {
  ExportEvent,
  ExportRequest,
  InferEvent,
  InferRequest,
  IngestEvent,
  IngestRequest,
  TrainEvent,
  TrainRequest,
} from './protocol';

export interface TypedWorker<Req, Ev> {
  post(message: Req, transfer?: Transferable[]): void;
  listen(handler: (event: Ev) => void): () => void;
}

function wrap<Req, Ev>(worker: Worker): TypedWorker<Req, Ev> {
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    listen: (handler) => {
      const fn = (e: MessageEvent<Ev>) => handler(e.data);
      worker.addEventListener('message', fn);
      return () => worker.removeEventListener('message', fn);
    },
  };
}

/**
 * A store's handle on a worker: the worker, its events routed to the store's `apply` from the first
 * use on (so a store that is never used starts no worker).
 */
export function subscribed<Req, Ev>(
  worker: () => TypedWorker<Req, Ev>,
  apply: (event: Ev) => void,
): () => TypedWorker<Req, Ev> {
  let listening = false;
  return () => {
    const w = worker();
    if (!listening) {
      listening = true;
      w.listen(apply);
    }
    return w;
  };
}

let train: TypedWorker<TrainRequest, TrainEvent> | undefined;

/** The one GPU worker of the page (training, and the GPU self-test at start). */
export function trainWorker(): TypedWorker<TrainRequest, TrainEvent> {
  train ??= wrap(
    new Worker(new URL('../workers/train.worker.ts', import.meta.url), {
      type: 'module',
      name: 'i3-train',
    }),
  );
  return train;
}

let infer: TypedWorker<InferRequest, InferEvent> | undefined;

/** The chat worker, with a GPU device of its own so that chat runs while a run trains. */
export function inferWorker(): TypedWorker<InferRequest, InferEvent> {
  infer ??= wrap(
    new Worker(new URL('../workers/infer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'i3-infer',
    }),
  );
  return infer;
}

let exporter: TypedWorker<ExportRequest, ExportEvent> | undefined;

/** Bundle export and import: zip, tokenizer and checkpoint work off the UI thread. */
export function exportWorker(): TypedWorker<ExportRequest, ExportEvent> {
  exporter ??= wrap(
    new Worker(new URL('../workers/export.worker.ts', import.meta.url), {
      type: 'module',
      name: 'i3-export',
    }),
  );
  return exporter;
}

let ingest: TypedWorker<IngestRequest, IngestEvent> | undefined;

/** Dataset imports: parsing, tokenizing and writing token shards, off the UI thread. */
export function ingestWorker(): TypedWorker<IngestRequest, IngestEvent> {
  ingest ??= wrap(
    new Worker(new URL('../workers/ingest.worker.ts', import.meta.url), {
      type: 'module',
      name: 'i3-ingest',
    }),
  );
  return ingest;
}
