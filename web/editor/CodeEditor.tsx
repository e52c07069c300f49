/**
 * The scenario editor's text area: CodeMirror 6 with JSON highlighting, bracket matching, search and undo, and the
 * loader's verdict shown in place (a diagnostic at the line and column the worker reports). Loaded on demand: this
 * module and CodeMirror are a chunk of their own, fetched when the editor first opens.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, bracketMatching, foldGutter, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { json } from '@codemirror/lang-json';

export interface EditorProblem {
  line: number;
  column: number;
  message: string;
}

export interface CodeEditorHandle {
  text(): string;
  setText(text: string): void;
  /** Puts the cursor at a line and column (from 1) and scrolls it into view. */
  goTo(line: number, column: number): void;
  focus(): void;
}

interface Props {
  initial: string;
  onChange(text: string): void;
  problem: EditorProblem | null;
  label: string;
}

/** The editor's colours follow the app's theme (CSS variables), light or dark. */
const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', color: 'var(--text)', backgroundColor: 'var(--bg)' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', lineHeight: '1.45' },
  '.cm-gutters': { backgroundColor: 'var(--panel)', color: 'var(--muted)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--accent-bg)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused': { outline: '2px solid var(--accent)' },
});

/**
 * JSON's colours from the app's theme too (CodeMirror's default style has dark red strings, which read as errors in a
 * scenario that is mostly notes, and are hard to read on a dark background): keys in the accent colour, strings,
 * numbers and literals each in their own, every one at least 4.5:1 against the editor's background.
 */
const jsonColours = HighlightStyle.define([
  { tag: tags.propertyName, color: 'var(--code-key)' },
  { tag: tags.string, color: 'var(--code-string)' },
  { tag: tags.number, color: 'var(--code-number)' },
  { tag: [tags.bool, tags.null], color: 'var(--code-literal)', fontWeight: 'bold' },
  { tag: [tags.separator, tags.squareBracket, tags.brace], color: 'var(--muted)' },
]);

function offsetOf(state: EditorState, line: number, column: number): number {
  const l = state.doc.line(Math.min(Math.max(1, line), state.doc.lines));
  return Math.min(l.to, l.from + Math.max(0, column - 1));
}

export const CodeEditor = forwardRef<CodeEditorHandle, Props>(function CodeEditor({ initial, onChange, problem, label }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          foldGutter(),
          lintGutter(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          syntaxHighlighting(jsonColours),
          json(),
          EditorView.lineWrapping,
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
          theme,
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'editor-text' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The document is set once; later texts go through the handle (setText), not by re-creating the editor.
  }, []);

  // The loader's verdict, in place: one diagnostic from the reported position to the end of that line.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const diagnostics: Diagnostic[] = [];
    if (problem) {
      const from = offsetOf(v.state, problem.line, problem.column);
      const to = Math.max(from + 1, v.state.doc.lineAt(from).to);
      diagnostics.push({ from, to: Math.min(to, v.state.doc.length), severity: 'error', message: problem.message });
    }
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [problem]);

  useImperativeHandle(ref, () => ({
    text: () => view.current?.state.doc.toString() ?? '',
    setText: (text: string) => {
      const v = view.current;
      if (v) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, selection: { anchor: 0 }, scrollIntoView: true });
    },
    goTo: (line: number, column: number) => {
      const v = view.current;
      if (!v) return;
      const at = offsetOf(v.state, line, column);
      v.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
      v.focus();
    },
    focus: () => view.current?.focus(),
  }));

  return <div ref={host} className="code-editor" />;
});

export default CodeEditor;
