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

/** Starts recording the page's tasks (the trace's toplevel category: little overhead). */
export async function startTaskTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: ['toplevel', '__metadata'] });
}

/** Stops the recording; returns the main thread's outermost tasks of at least minWallMs. */
export async function stopTaskTrace(browser: Browser, minWallMs = 50): Promise<MainThreadTask[]> {
  const events: TraceEvent[] = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const runs = events
    .filter(
      (e) =>
        e.ph === 'X' &&
        e.name === 'ThreadControllerImpl::RunTask' &&
        e.dur !== undefined &&
        main.has(`${e.pid}:${e.tid}`),
    )
    .sort((a, b) => a.ts - b.ts);
  const tasks: MainThreadTask[] = [];
  const endOf = new Map<string, number>(); // per thread, where its current outermost task ends
  for (const e of runs) {
    const thread = `${e.pid}:${e.tid}`;
    const end = e.ts + (e.dur ?? 0);
    // A task run inside another (a nested run loop) is part of the outer one.
    if (e.ts < (endOf.get(thread) ?? Number.NEGATIVE_INFINITY)) continue;
    endOf.set(thread, end);
    const wallMs = (e.dur ?? 0) / 1000;
    if (wallMs >= minWallMs) tasks.push({ wallMs, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 });
  }
  return tasks;
}
