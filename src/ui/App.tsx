// The studio shell: a header with one tab per pane, the storage, the screen and the GPU status
// (and the live run in the browser tab's title). It starts the GPU worker and routes its events to
// the stores; every pane reads the stores only. While work is in flight the page asks before it
// closes and keeps the screen on.
import { useEffect } from 'react';
import { useDatasets } from '../store/datasets';
import { useEvaluation } from '../store/evaluation';
import { useGpu } from '../store/gpu';
import { useLrFinder } from '../store/lrFinder';
import { type PaneId, useNav } from '../store/nav';
import { followRuns } from '../store/queue';
import { useRuns } from '../store/runs';
import { useSpeed } from '../store/speed';
import { trainWorker } from '../workerClients';
import { ChatPane } from './chat/ChatPane';
import { CheckpointsPane } from './checkpoints/CheckpointsPane';
import { DataPane } from './data/DataPane';
import { ModelPane } from './model/ModelPane';
import { AppUpdate } from './shell/AppUpdate';
import { useDocumentTitle } from './shell/documentTitle';
import { GpuStatus } from './shell/GpuStatus';
import { isWorking, leaveWarning, useLeaveGuard, useLongWork } from './shell/longWork';
import { NoWebGpu } from './shell/NoWebGpu';
import { PageDrop } from './shell/PageDrop';
import { useRunEndNotice } from './shell/runEndNotice';
import { ScreenAwake, useScreenAwake } from './shell/ScreenAwake';
import { SoftwareGpuNotice } from './shell/SoftwareGpuNotice';
import { StorageNotices, StorageStatus } from './shell/StorageStatus';
import { ThemeSwitch, useAppliedTheme } from './shell/ThemeSwitch';
import { TrainPane } from './train/TrainPane';

interface Pane {
  id: PaneId;
  title: string;
  render: () => React.ReactNode;
}

const panes: Pane[] = [
  { id: 'data', title: 'Data', render: () => <DataPane /> },
  { id: 'model', title: 'Model', render: () => <ModelPane /> },
  { id: 'train', title: 'Train', render: () => <TrainPane /> },
  { id: 'checkpoints', title: 'Checkpoints', render: () => <CheckpointsPane /> },
  { id: 'chat', title: 'Chat', render: () => <ChatPane /> },
];

/** The pane the arrow keys, Home or End lead to from `from` (undefined: not such a key). */
function tabAfterKey(from: PaneId, key: string): PaneId | undefined {
  const i = panes.findIndex((p) => p.id === from);
  const n = panes.length;
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[key];
  return to === undefined ? undefined : panes[to % n].id;
}

export function App() {
  const { status, message } = useGpu();
  const notice = useRuns((s) => s.notice);
  const dismiss = useRuns((s) => s.dismissNotice);
  const active = useNav((s) => s.pane);
  const setActive = useNav((s) => s.show);
  useDocumentTitle();
  useAppliedTheme();
  useRunEndNotice();
  useEffect(() => followRuns(), []);
  const work = useLongWork();
  // What closing or reloading the page now would cut off, if anything.
  const lost = leaveWarning(work);
  useLeaveGuard(lost);
  const awake = useScreenAwake(isWorking(work));

  useEffect(() => {
    const worker = trainWorker();
    const stop = worker.listen((e) => {
      useGpu.getState().apply(e);
      useRuns.getState().apply(e);
      useSpeed.getState().apply(e);
      useLrFinder.getState().apply(e);
      useEvaluation.getState().apply(e);
    });
    worker.post({ type: 'init' });
    void useRuns.getState().load();
    void useDatasets.getState().load();
    return stop;
  }, []);

  if (status === 'unavailable') return <NoWebGpu detail={message} />;
  const pane = panes.find((p) => p.id === active);
  return (
    <div className="studio">
      <header className="topbar">
        <h1>
          i3 <span className="muted">Studio</span>
        </h1>
        <div
          className="tabs"
          role="tablist"
          aria-label="Studio panes"
          onKeyDown={(e) => {
            const next = tabAfterKey(active, e.key);
            if (!next) return;
            e.preventDefault();
            setActive(next);
            document.getElementById(`tab-${next}`)?.focus();
          }}
        >
          {panes.map((p) => (
            <button
              key={p.id}
              type="button"
              role="tab"
              id={`tab-${p.id}`}
              aria-selected={p.id === active}
              aria-controls="pane"
              // One tab stop for the list; the arrow keys move between tabs (the ARIA tabs pattern).
              tabIndex={p.id === active ? 0 : -1}
              className={p.id === active ? 'tab active' : 'tab'}
              onClick={() => setActive(p.id)}
            >
              {p.title}
            </button>
          ))}
        </div>
        <StorageStatus />
        <ScreenAwake state={awake} />
        <ThemeSwitch />
        <GpuStatus />
      </header>
      {message && (
        <div className="banner error" role="alert">
          {message}{' '}
          {status === 'lost' && (
            <button type="button" onClick={() => location.reload()} data-testid="reload-page">
              Reload now
            </button>
          )}
        </div>
      )}
      <SoftwareGpuNotice />
      <AppUpdate lost={lost} />
      <StorageNotices />
      <PageDrop />
      {notice && (
        <div className="banner error" role="alert" data-testid="run-notice">
          {notice}{' '}
          <button type="button" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
      <main className="pane" id="pane" role="tabpanel" aria-labelledby={`tab-${active}`}>
        {pane?.render()}
      </main>
    </div>
  );
}
