// The Train pane, top to bottom: the next run's controls and the live run's progress
// (RunControls), live charts of every metric, comparable across runs (MetricsCharts), the text each
// evaluation's weights wrote (TrainingSamples), and the table of runs, where a run cut off by a
// reload resumes from its last checkpoint and a finished one trains further (RunList).

import { MetricsCharts } from './MetricsCharts';
import { RunControls } from './RunControls';
import { RunList } from './RunList';
import { TrainingSamples } from './TrainingSamples';

export function TrainPane() {
  return (
    <div className="train-pane">
      <RunControls />
      <MetricsCharts />
      <TrainingSamples />
      <RunList />
    </div>
  );
}
