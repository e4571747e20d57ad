// Files dropped anywhere on the page, not only on a drop zone: without this the browser opens a
// file dropped beside a zone in place of the studio. The Checkpoints pane takes them as a bundle;
// every other pane as a dataset, shown importing in the Data pane. While files are dragged over
// the page an outline says where they will go. A drop on a zone is the zone's (it cancels the
// event first).

import { useEffect, useState } from 'react';
import type { Notice } from '../../store/checkpoints';
import { useCheckpoints } from '../../store/checkpoints';
import { useDatasets } from '../../store/datasets';
import { type PaneId, useNav } from '../../store/nav';
import { type DropReceiver, receiveDrop } from '../common/folderDrop';

/** A pane's notice shows what the drop says went wrong (nothing said leaves it as it is). */
const sayIn = (show: (notice: Notice) => void) => (problem: string | undefined) => {
  if (problem) show({ kind: 'error', text: problem });
};

/** Where a drop on the pane goes, and what the outline says of it. */
function targetOf(pane: PaneId): { label: string; receiver: () => DropReceiver } {
  if (pane === 'checkpoints') {
    return {
      label: 'Drop to import this bundle as a checkpoint',
      receiver: () => ({
        depth: 'top',
        busy: Boolean(useCheckpoints.getState().importJob),
        take: useCheckpoints.getState().importFiles,
        say: sayIn((notice) => useCheckpoints.setState({ notice })),
      }),
    };
  }
  return {
    label: 'Drop to make a dataset of these files',
    receiver: () => ({
      depth: 'nested',
      busy: Boolean(useDatasets.getState().job),
      take: useDatasets.getState().importFiles,
      say: sayIn((notice) => useDatasets.setState({ notice })),
    }),
  };
}

/** Whether a drag carries files (not text or a link, which stay the browser's). */
const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

// dragover repeats while files are over the page; the outline goes once it stops this long.
const LEAVE_MS = 250;

export function PageDrop() {
  const pane = useNav((s) => s.pane);
  const [over, setOver] = useState(false);
  useEffect(() => {
    let leave: ReturnType<typeof setTimeout> | undefined;
    const onDragOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setOver(true);
      clearTimeout(leave);
      leave = setTimeout(() => setOver(false), LEAVE_MS);
    };
    const onDrop = (e: DragEvent) => {
      clearTimeout(leave);
      setOver(false);
      if (e.defaultPrevented || !carriesFiles(e) || !e.dataTransfer) return;
      e.preventDefault();
      const from = useNav.getState().pane;
      if (from !== 'checkpoints') useNav.getState().show('data');
      receiveDrop(e.dataTransfer, targetOf(from).receiver());
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      clearTimeout(leave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  if (!over) return null;
  return (
    <div className="page-drop" data-testid="page-drop" aria-hidden="true">
      <span>{targetOf(pane).label}</span>
    </div>
  );
}
