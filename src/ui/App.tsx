// The studio shell: a header with the GPU status and one tab per pane.
import { useEffect, useState } from 'react';
import { useGpu } from '../store/gpu';
import { spawnTrainWorker } from '../workerClients';
import { GpuStatus } from './GpuStatus';
import { NoWebGpu } from './NoWebGpu';

interface Pane {
  id: string;
  title: string;
  render: () => React.ReactNode;
}

const panes: Pane[] = [];

export function App() {
  const { status, message } = useGpu();
  const [active, setActive] = useState(panes[0]?.id);

  useEffect(() => {
    const worker = spawnTrainWorker();
    const stop = worker.listen(useGpu.getState().apply);
    worker.post({ type: 'init' });
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
        <div className="tabs" role="tablist" aria-label="Studio panes">
          {panes.map((p) => (
            <button
              key={p.id}
              type="button"
              role="tab"
              aria-selected={p.id === active}
              className={p.id === active ? 'tab active' : 'tab'}
              onClick={() => setActive(p.id)}
            >
              {p.title}
            </button>
          ))}
        </div>
        <GpuStatus />
      </header>
      {message && (
        <div className="banner error" role="alert">
          {message}
        </div>
      )}
      <main className="pane">{pane?.render()}</main>
    </div>
  );
}
