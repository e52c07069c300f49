/**
 * The scenario editor: a scenario's JSON with the loader's live verdict (the worker checks it as you type; an error
 * is marked at its line with its JSON path), then run it, save it to a file or share it as a link. Starts from the
 * scenario on screen, any preset or the example. The editor itself (CodeMirror) is loaded when first opened.
 */
import { Suspense, lazy, useCallback, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { ScenarioCheck } from '../../src-sim/protocol/index.ts';
import { checkScenario, loadSource, scenarioText, store } from '../store.ts';
import type { CodeEditorHandle } from '../editor/CodeEditor.tsx';
import { PresetOptions } from '../components/PresetOptions.tsx';
import { startExplore } from '../explore/state.ts';

const CodeEditor = lazy(() => import('../editor/CodeEditor.tsx'));

/** The example served with the app (public/examples/). */
const EXAMPLE = 'examples/lazy-switch-and-flush.json';
/** Wait this long after the last keystroke before asking the worker. */
const CHECK_DELAY_MS = 250;

export function EditorDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const editor = useRef<CodeEditorHandle>(null);
  const presets = useStore(store, (s) => s.presets);
  const [initial, setInitial] = useState<string | null>(null);
  const [check, setCheck] = useState<ScenarioCheck | null>(null);
  const [checking, setChecking] = useState(false);
  /** Length of the text the verdict shown is about (tests wait for it). */
  const [checked, setChecked] = useState(-1);
  const [runError, setRunError] = useState('');
  const latest = useRef('');
  const opened = useRef(false);
  const asked = useRef(0);

  const recheck = useCallback((text: string) => {
    latest.current = text;
    const ticket = ++asked.current;
    setChecking(true);
    setTimeout(async () => {
      if (ticket !== asked.current) return;
      try {
        const c = await checkScenario(text);
        if (ticket === asked.current) {
          setCheck(c);
          setChecked(text.length);
        }
      } catch (e) {
        if (ticket === asked.current) setCheck({ error: { path: '', message: `could not check it: ${(e as Error).message}`, line: 1, column: 1 }, info: null });
      } finally {
        if (ticket === asked.current) setChecking(false);
      }
    }, CHECK_DELAY_MS);
  }, []);

  const start = useCallback(
    async (from: string) => {
      let text: string;
      try {
        if (from === 'example') text = await (await fetch(`${import.meta.env.BASE_URL}${EXAMPLE}`)).text();
        else if (from === 'current') {
          const src = store.getState().source;
          text = src ? await scenarioText(src) : await (await fetch(`${import.meta.env.BASE_URL}${EXAMPLE}`)).text();
        } else text = await scenarioText({ kind: 'preset', id: from });
      } catch (e) {
        setRunError(`Could not open that scenario: ${(e as Error).message}`);
        return;
      }
      // The first text creates the editor; later ones replace its content (undo keeps the old one).
      if (!opened.current) {
        opened.current = true;
        setInitial(text);
      } else editor.current?.setText(text);
      recheck(text);
    },
    [recheck],
  );

  useEffect(() => {
    dialog.current?.showModal();
    void start('current');
  }, [start]);

  const problem = check?.error ? { line: check.error.line, column: check.error.column, message: check.error.message } : null;

  return (
    <dialog ref={dialog} className="editor-dialog" aria-labelledby="editor-title" onClose={onClose} data-testid="editor-dialog">
      <div className="editor-head">
        <h2 id="editor-title">Scenario editor</h2>
        <label className="field">
          <span className="field-label">Start from</span>
          <select defaultValue="" onChange={(e) => e.target.value && void start(e.target.value)} data-testid="editor-start">
            <option value="" disabled>
              …
            </option>
            <option value="current">the scenario on screen</option>
            <option value="example">the example file</option>
            <PresetOptions presets={presets} />
          </select>
        </label>
        <span className="hint">
          Format: <code>lazytlb/1</code>, or <code>lazytlb/2</code> for explicit schedules (docs/scenario-format.md). Checked as you type.
        </span>
      </div>
      <div className="editor-body">
        {initial === null ? (
          <p className="placeholder">Opening…</p>
        ) : (
          <Suspense fallback={<p className="placeholder">Loading the editor…</p>}>
            <CodeEditor ref={editor} initial={initial} onChange={recheck} problem={problem} label="Scenario JSON" />
          </Suspense>
        )}
      </div>
      <p className={`editor-status${check?.error ? ' bad-text' : ''}`} role="status" data-testid="editor-status" data-checked={checking ? -1 : checked}>
        {checking && !check ? 'Checking…' : check?.error ? (
          <>
            ✗ {check.error.message} <span className="hint">(line {check.error.line}, column {check.error.column})</span>
            <button type="button" className="link-button" onClick={() => editor.current?.goTo(check.error!.line, check.error!.column)}>
              Go there
            </button>
          </>
        ) : check?.info ? (
          <>
            ✓ <code>{check.info.id}</code>: {check.info.steps} steps, variants {check.info.variants.join(', ')}
          </>
        ) : null}
        {runError ? <span className="bad-text"> {runError}</span> : null}
      </p>
      <div className="dialog-buttons">
        <button
          type="button"
          className="button"
          data-testid="editor-run"
          disabled={!!check?.error}
          onClick={async () => {
            setRunError('');
            const text = editor.current?.text() ?? latest.current;
            if (await loadSource({ kind: 'json', text })) dialog.current?.close();
            else setRunError(store.getState().error ?? 'It did not run.');
          }}
        >
          Run it
        </button>
        <button
          type="button"
          className="button"
          data-testid="editor-explore"
          disabled={!!check?.error}
          title="Try every interleaving of this scenario's CPUs"
          onClick={() => {
            const text = editor.current?.text() ?? latest.current;
            dialog.current?.close();
            void startExplore({ kind: 'json', text });
          }}
        >
          Explore it
        </button>
        <button
          type="button"
          className="button"
          data-testid="editor-save"
          onClick={() => {
            const text = editor.current?.text() ?? latest.current;
            const a = document.createElement('a');
            a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
            a.download = `${check?.info?.id ?? 'scenario'}.json`;
            a.click();
            setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
          }}
        >
          Save to a file
        </button>
        <span className="hint">Run it, then Copy link: the link carries your scenario.</span>
        <button type="button" className="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
