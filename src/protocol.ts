// The one typed message protocol between the UI thread and every worker. Each worker has a
// request type (UI → worker) and an event type (worker → UI); nothing else crosses postMessage.

// ── train worker ──

export interface AdapterReport {
  description: string;
  f16: boolean;
  subgroups: boolean;
  timestamps: boolean;
}

export interface SelfTestReport {
  ok: boolean;
  /** Largest |GPU − CPU| over the checked matmul. */
  maxError: number;
  shape: [number, number, number];
  ms: number;
}

export type TrainRequest = { type: 'init' };

export type TrainEvent =
  | { type: 'ready'; adapter: AdapterReport; selfTest: SelfTestReport }
  | { type: 'gpu-unavailable'; message: string }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string };
