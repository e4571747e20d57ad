import type { Browser, Page } from '@playwright/test';

// The tasks the page's main thread runs, from Chromium's trace: each task's wall-clock time and the
// CPU time the thread itself spent in it. The browser's long-task API gives only the first. Where
// WebGPU runs on SwiftShader the "GPU" is the same few CPU cores, so a task's wall-clock time also
// counts the time the page waited for a core while the run trained; its CPU time is the page's own
// work. On a computer with a GPU the two agree.

/** One task of the page's main thread, in ms. */
export interface MainThreadTask {
  wallMs: number;
  cpuMs: number;
}

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** A complete ('X') event: its duration and thread duration (µs) are there. */
type TaskEvent = TraceEvent & { dur: number; tdur: number };

/** Starts recording the page's tasks (the trace's toplevel category: little overhead). */
export async function startTaskTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: ['toplevel', '__metadata'] });
}

/**
 * Stops the recording; returns the main thread's outermost tasks of at least minWallMs. Throws
 * where the trace has no thread times, rather than give wall-clock time as CPU time.
 */
export async function stopTaskTrace(browser: Browser, minWallMs = 50): Promise<MainThreadTask[]> {
  const events: TraceEvent[] = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const thread = (e: TraceEvent) => `${e.pid}:${e.tid}`;
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map(thread),
  );
  const runs = events
    .filter(
      (e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(thread(e)),
    )
    .sort((a, b) => a.ts - b.ts);
  if (runs.some((e) => e.dur === undefined || e.tdur === undefined)) {
    throw new Error("the trace's tasks have no thread times: their CPU time cannot be told");
  }
  const tasks: MainThreadTask[] = [];
  const endOf = new Map<string, number>(); // per thread, where its current outermost task ends
  for (const e of runs as TaskEvent[]) {
    // A task run inside another (a nested run loop) is part of the outer one.
    if (e.ts < (endOf.get(thread(e)) ?? Number.NEGATIVE_INFINITY)) continue;
    endOf.set(thread(e), e.ts + e.dur);
    if (e.dur / 1000 >= minWallMs) tasks.push({ wallMs: e.dur / 1000, cpuMs: e.tdur / 1000 });
  }
  return tasks;
}
