// Files dropped anywhere on the page, not only on a drop zone: without this the browser opens a
// file dropped beside a zone in place of the studio. The Checkpoints pane takes them as a bundle;
// every other pane as a dataset, shown importing in the Data pane. While files are dragged over
// the page an outline says where they will go. A drop on a zone is the zone's (it cancels the
// event first).

import { useEffect, useState } from 'react';
import { useCheckpoints } from '../../store/checkpoints';
import { useDatasets } from '../../store/datasets';
import { type PaneId, useNav } from '../../store/nav';
import { IMPORT_BUSY } from '../common/FileDrop';
import {
  dropItems,
  droppedFiles,
  emptyFoldersProblem,
  type FolderDepth,
} from '../common/folderDrop';

/** Where a drop on this pane goes. */
interface DropTarget {
  label: string;
  folders: FolderDepth;
  busy: () => boolean;
  take: (files: File[]) => void;
  say: (text: string) => void;
}

const datasetTarget: DropTarget = {
  label: 'Drop to make a dataset of these files',
  folders: 'nested',
  busy: () => Boolean(useDatasets.getState().job),
  take: (files) => useDatasets.getState().importFiles(files),
  say: (text) => useDatasets.setState({ notice: { kind: 'error', text } }),
};

const bundleTarget: DropTarget = {
  label: 'Drop to import this bundle as a checkpoint',
  folders: 'top',
  busy: () => Boolean(useCheckpoints.getState().importJob),
  take: (files) => useCheckpoints.getState().importFiles(files),
  say: (text) => useCheckpoints.setState({ notice: { kind: 'error', text } }),
};

const targetOf = (pane: PaneId) => (pane === 'checkpoints' ? bundleTarget : datasetTarget);

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
      const target = targetOf(from);
      if (from !== 'checkpoints') useNav.getState().show('data');
      if (target.busy()) {
        target.say(IMPORT_BUSY);
        return;
      }
      droppedFiles(dropItems(e.dataTransfer), target.folders).then(
        ({ files, emptyFolders }) => {
          // An import clears its pane's notice as it starts: the problem goes after.
          if (files.length > 0) target.take(files);
          const problem = emptyFoldersProblem(emptyFolders, target.folders);
          if (problem) target.say(problem);
        },
        (err: Error) => target.say(`The dropped folder could not be read: ${err.message}`),
      );
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
