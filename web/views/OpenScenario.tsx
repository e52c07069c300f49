/**
 * The user's own scenario: open a file, drop one on the page (a file that is not JSON is read as a kernel trace:
 * TraceDialog), or write / paste it in the editor (EditorDialog). The worker validates it; an invalid file
 * gets its error (with the JSON path) in the banner and the scenario on screen stays. Plus "copy link", which for an
 * own scenario carries it in the fragment (share.ts).
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { loadSource, showError, store } from '../store.ts';
import { fragmentFor } from '../share.ts';
import { FileButton } from './FileButton.tsx';
import { EditorDialog } from './EditorDialog.tsx';
import { importTrace } from '../trace/state.ts';

/** Files larger than this are refused before reading (a preset is a few kB; a generated stress scenario some MB). */
const MAX_FILE = 64_000_000;

async function openText(text: string): Promise<boolean> {
  return loadSource({ kind: 'json', text });
}

/** A scenario is JSON (an object); anything else opened or dropped is read as a kernel trace (ftrace text). */
async function isScenario(file: File): Promise<boolean> {
  const head = await file.slice(0, 4096).text();
  return head.trimStart().startsWith('{') || file.name.endsWith('.json');
}

async function openFile(file: File): Promise<void> {
  if (!(await isScenario(file))) {
    await importTrace(file);
    return;
  }
  if (file.size > MAX_FILE) {
    showError(`${file.name} is ${Math.round(file.size / 1000)} kB; a scenario file is at most ${MAX_FILE / 1_000_000} MB.`);
    return;
  }
  await openText(await file.text());
}

export function OpenScenario() {
  const [editing, setEditing] = useState(false);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      e.preventDefault();
      setDragging(false);
      void openFile(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return (
    <>
      <FileButton label="Open a scenario file or a kernel trace" testid="open-file" inputTestid="file-input" accept=".json,.txt,.trace,.log,application/json,text/plain" onFile={(file) => void openFile(file)}>
        Open file…
      </FileButton>
      <button type="button" className="button" onClick={() => setEditing(true)} data-testid="editor-open" title="Write, paste or change a scenario, checked as you type">
        Editor…
      </button>
      <CopyLink />
      {editing ? <EditorDialog onClose={() => setEditing(false)} /> : null}
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          Drop a lazytlb scenario (JSON) to run it, or a kernel trace (ftrace text) to import it
        </div>
      ) : null}
    </>
  );
}

function CopyLink() {
  const hasTimeline = useStore(store, (s) => s.summary !== null);
  const [said, setSaid] = useState('');
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={!hasTimeline}
        data-testid="copy-link"
        onClick={async () => {
          const { source } = store.getState();
          if (source?.kind === 'json') {
            const r = await fragmentFor(source.text);
            if ('error' in r) {
              showError(r.error);
              return;
            }
          }
          try {
            await navigator.clipboard.writeText(window.location.href);
            setSaid('Link copied');
          } catch {
            setSaid('Copy the address bar: it holds this view');
          }
          setTimeout(() => setSaid(''), 3000);
        }}
      >
        Copy link
      </button>
      <span className="hint" role="status">
        {said}
      </span>
    </>
  );
}
