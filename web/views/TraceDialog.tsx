/**
 * A kernel trace opened in the app: reading progress, then what the import found (format, architecture, CPUs,
 * events, problems with their line numbers, the reconstruction: switches and the CR3 writes after them, lazy periods,
 * flushes) and the choice of CPUs, window and architecture for another pass; then the reconstructed scenario on the
 * timeline, where it can be edited and explored like any other.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import type { TraceOptions, TraceReport } from '../../src-sim/protocol/index.ts';
import { importTrace, parseCpuList, setTraceOpen, showTraceOnTimeline, traceStore } from '../trace/state.ts';
import { useModal } from './useModal.ts';

const fmt = new Intl.NumberFormat('en');
const ARCH_CHOICES = ['x86', 'arm64', 'powerpc', 's390', 'mips'] as const;

export function TraceDialog() {
  const open = useStore(traceStore, (s) => s.open);
  const dialog = useModal(open);
  return (
    <dialog ref={dialog} className="trace-dialog" aria-labelledby="trace-title" onClose={() => setTraceOpen(false)} data-testid="trace-dialog">
      {open ? <TraceBody /> : null}
    </dialog>
  );
}

function TraceBody() {
  const file = useStore(traceStore, (s) => s.file);
  const status = useStore(traceStore, (s) => s.status);
  const progress = useStore(traceStore, (s) => s.progress);
  const report = useStore(traceStore, (s) => s.report);
  const scenario = useStore(traceStore, (s) => s.scenario);
  const error = useStore(traceStore, (s) => s.error);
  const [showError, setShowError] = useState('');
  return (
    <>
      <h2 id="trace-title">Kernel trace{file ? <>: <code>{file.name}</code></> : null}</h2>
      {status === 'reading' && progress ? (
        <div className="explore-progress" role="status" data-testid="trace-progress">
          <progress value={progress.done} max={Math.max(1, progress.total)} aria-label="Bytes read" />
          <span>
            Reading… {mb(progress.done)} of {mb(progress.total)}
          </span>
        </div>
      ) : null}
      {status === 'failed' ? (
        <p className="bad-text" role="status" data-testid="trace-status">
          The trace could not be read: {error}
        </p>
      ) : null}
      {report && status === 'done' ? <Report report={report} /> : null}
      {file && status !== 'reading' ? <Options key={`${file.name}:${file.size}`} file={file} report={report} /> : null}
      <div className="dialog-buttons">
        <button
          type="button"
          className="button"
          disabled={!scenario || status !== 'done'}
          data-testid="trace-show"
          onClick={async () => {
            setShowError('');
            if (!(await showTraceOnTimeline())) setShowError('It could not be shown: see the banner.');
          }}
        >
          Show on the timeline
        </button>
        <button type="button" className="button" onClick={() => setTraceOpen(false)}>
          Close
        </button>
        {showError ? <span className="bad-text">{showError}</span> : null}
      </div>
    </>
  );
}

function mb(bytes: number): string {
  return bytes < 1e6 ? `${fmt.format(Math.round(bytes / 1000))} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function Report({ report }: { report: TraceReport }) {
  const r = report.reconstructed;
  const topEvents = Object.entries(report.events)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10);
  const w = report.window;
  const span = w.firstTs !== null && w.lastTs !== null ? w.lastTs - w.firstTs : null;
  return (
    <section className="trace-report" aria-label="What the trace holds" data-testid="trace-report">
      <dl className="trace-facts">
        <dt>Format</dt>
        <dd data-testid="trace-format">{report.format}</dd>
        <dt>Architecture</dt>
        <dd data-testid="trace-arch">
          <b>{report.arch.chosen}</b> ({report.arch.source === 'trace' ? 'the trace shows it' : report.arch.source === 'given' ? 'as chosen' : 'a default: the trace does not show it'})
          {report.arch.warning ? <span className="bad-text"> — {report.arch.warning}</span> : null}
        </dd>
        <dt>CPUs</dt>
        <dd>
          {report.cpus.seen.length} seen ({report.cpus.seen.join(', ')}){report.cpus.header !== null ? `, ${report.cpus.header} in the header` : ''}; {report.cpus.scenario} in the scenario
        </dd>
        <dt>Time</dt>
        <dd>
          {w.firstTs !== null ? `${w.firstTs.toFixed(6)} – ${w.lastTs?.toFixed(6)} s` : '—'}
          {span !== null ? ` (${fmt.format(Math.round(span * 1e6))} µs)` : ''}, {fmt.format(w.eventsInWindow)} events in the window
          {w.eventsOutside ? `, ${fmt.format(w.eventsOutside)} outside` : ''}
        </dd>
        <dt>Lines</dt>
        <dd data-testid="trace-lines">
          {fmt.format(report.lines)} lines; {fmt.format(report.unparsedLines)} match no known line shape
          {report.lostEvents ? <span className="bad-text">; {fmt.format(report.lostEvents)} events lost by the tracer</span> : null}
        </dd>
        <dt>Events</dt>
        <dd className="trace-events">{topEvents.map(([k, n]) => `${k} ${fmt.format(n)}`).join(' · ')}</dd>
      </dl>
      {report.issues.list.length ? (
        <details className="trace-issues" data-testid="trace-issues">
          <summary className="bad-text">
            {fmt.format(Object.values(report.issues.counts).reduce((a, b) => a + (b ?? 0), 0))} problem lines (skipped; the import went on)
          </summary>
          <ul>
            {report.issues.list.slice(0, 20).map((i, k) => (
              <li key={k}>
                line {i.line}: {i.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <ConformanceView report={report} />
      <h3>Reconstructed</h3>
      <p>
        {r.tasks.total} tasks ({r.tasks.user} user, {r.tasks.kernelThreads} kernel threads), {r.mms.total} mms; identity by {r.mms.identity}.
      </p>
      <table className="trace-table" data-testid="trace-switches">
        <caption>Context switches, and the CR3 writes the trace shows right after them (tlb_flush reason 0)</caption>
        <thead>
          <tr>
            <th scope="col">switch</th>
            <th scope="col">count</th>
            <th scope="col">CR3 written</th>
            <th scope="col">of which flushed / PCID kept</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(r.switches.byKind)
            .filter(([, c]) => c.n > 0)
            .map(([kind, c]) => (
              <tr key={kind}>
                <th scope="row">{kind}</th>
                <td>{c.n}</td>
                <td>{c.reason0}</td>
                <td>
                  {c.flushed} / {c.pcidKept}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <table className="trace-table" data-testid="trace-lazy">
        <caption>Lazy periods (a kernel thread or idle on a user mm), per CPU</caption>
        <thead>
          <tr>
            <th scope="col">CPU</th>
            <th scope="col">periods</th>
            <th scope="col">lazy for</th>
            <th scope="col">ended by</th>
          </tr>
        </thead>
        <tbody>
          {r.lazy.map((l) => (
            <tr key={l.cpu}>
              <th scope="row">CPU{l.cpu}</th>
              <td>{l.intervals}</td>
              <td>{fmt.format(Math.round(l.lazyUs))} µs</td>
              <td>
                {Object.entries(l.endedBy)
                  .map(([k, n]) => `${k} ${n}`)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="trace-scenario">
        {report.scenario.written ? (
          <>
            Scenario: <b>{fmt.format(report.scenario.steps)} steps</b> ({report.scenario.setup} setup), {report.scenario.tasks} tasks, {report.scenario.mms} mms. {report.scenario.note}
          </>
        ) : (
          <span className="bad-text">No scenario: {report.scenario.error}</span>
        )}
      </p>
    </section>
  );
}

/** Another pass over the same file: which CPUs, which window, which architecture. */
function Options({ file, report }: { file: File; report: TraceReport | null }) {
  const options = useStore(traceStore, (s) => s.options);
  const [cpus, setCpus] = useState(options.cpus?.join(',') ?? '');
  const [from, setFrom] = useState(options.from?.toString() ?? '');
  const [to, setTo] = useState(options.to?.toString() ?? '');
  const [arch, setArch] = useState<string>(options.arch ?? '');
  const [era, setEra] = useState<string>(options.era ?? '');
  const eras = useStore(traceStore, (s) => s.eras);
  const [problem, setProblem] = useState('');
  const submit = () => {
    const list = parseCpuList(cpus);
    if (typeof list === 'string') return setProblem(`CPUs: ${list}`);
    const time = (v: string, what: string): number | null | string => {
      if (v.trim() === '') return null;
      const n = Number(v);
      return Number.isFinite(n) && n >= 0 ? n : `${what}: a time in seconds as the trace prints it (such as ${report?.window.firstTs?.toFixed(3) ?? '3502.72'})`;
    };
    const f = time(from, 'From');
    const t = time(to, 'To');
    if (typeof f === 'string') return setProblem(f);
    if (typeof t === 'string') return setProblem(t);
    setProblem('');
    const o: TraceOptions = { cpus: list, from: f, to: t, arch: arch === '' ? null : (arch as TraceOptions['arch']), era: era === '' ? null : era };
    void importTrace(file, o);
  };
  return (
    <form
      className="explore-settings trace-options"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label className="field">
        <span className="field-label">CPUs</span>
        <input value={cpus} onChange={(e) => setCpus(e.target.value)} placeholder="all" size={10} data-testid="trace-cpus" />
      </label>
      <label className="field">
        <span className="field-label">From</span>
        <input value={from} onChange={(e) => setFrom(e.target.value)} placeholder={report?.window.firstTs?.toFixed(6) ?? 'start'} size={13} data-testid="trace-from" />
      </label>
      <label className="field">
        <span className="field-label">To</span>
        <input value={to} onChange={(e) => setTo(e.target.value)} placeholder={report?.window.lastTs?.toFixed(6) ?? 'end'} size={13} data-testid="trace-to" />
      </label>
      <label className="field">
        <span className="field-label">Architecture</span>
        <select value={arch} onChange={(e) => setArch(e.target.value)} data-testid="trace-arch-choice">
          <option value="">as the trace shows</option>
          {ARCH_CHOICES.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      {eras.length ? (
        <label className="field">
          <span className="field-label">x86 era</span>
          <select value={era} onChange={(e) => setEra(e.target.value)} data-testid="trace-era-choice">
            <option value="">as the trace shows</option>
            {eras.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <button type="submit" className="button" data-testid="trace-reimport">
        Import again
      </button>
      {problem ? (
        <span className="bad-text" role="alert">
          {problem}
        </span>
      ) : null}
    </form>
  );
}

/** How many disagreements are listed (all are counted). */
const LISTED = 40;

/** The model run on the reconstruction against what the kernel printed, per kind of prediction (trace/conformance.ts). */
function ConformanceView({ report }: { report: TraceReport }) {
  const c = report.conformance;
  const era = report.era;
  const all = Object.entries(c.kinds).flatMap(([kind, k]) => k.disagreements.map((d) => ({ kind, ...d })));
  return (
    <section className="trace-conformance" aria-label="The model against the trace" data-testid="trace-conformance">
      <h3>The model against the trace</h3>
      <p data-testid="trace-era">
        {era.value !== null ? (
          <>
            Run as x86 era <b>{era.value}</b> ({era.source === 'given' ? 'as chosen' : era.source === 'trace' ? 'the trace shows it' : 'a default'}): {era.evidence}
            {era.warning ? <span className="bad-text"> — {era.warning}</span> : null}
          </>
        ) : (
          era.evidence
        )}
      </p>
      {era.configNote ? <p className="hint" data-testid="trace-era-config">{era.configNote}</p> : null}
      {era.invlpgb ? (
        <p data-testid="trace-invlpgb">
          AMD INVLPGB broadcast flushes: <b>{era.invlpgb.value ? 'on' : 'off'}</b> — {era.invlpgb.evidence}
          {era.invlpgb.lines.length ? ` (trace lines ${era.invlpgb.lines.slice(0, 8).join(', ')}${era.invlpgb.lines.length > 8 ? ', …' : ''})` : ''}
          {era.invlpgb.warning ? <span className="bad-text"> — {era.invlpgb.warning}</span> : null}
        </p>
      ) : null}
      {!c.ran ? (
        <p className="hint" data-testid="trace-conformance-skipped">
          Nothing compared: {c.skipped}
        </p>
      ) : (
        <>
          <p data-testid="trace-conformance-total">
            <b className={c.disagree ? 'bad-text' : 'good-text'}>
              {fmt.format(c.agree)} predictions agree, {fmt.format(c.disagree)} disagree
            </b>
            {c.rate !== null ? ` (${(100 * c.rate).toFixed(1)}%)` : ''}; every switch and flush of the trace is compared with what the model did at that step.
          </p>
          <table className="trace-table" data-testid="trace-conformance-kinds">
            <thead>
              <tr>
                <th scope="col">prediction</th>
                <th scope="col">agree</th>
                <th scope="col">disagree</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(c.kinds).map(([kind, k]) => (
                <tr key={kind}>
                  <th scope="row">{KIND_TEXT[kind] ?? kind}</th>
                  <td>{k.agree}</td>
                  <td className={k.disagree ? 'bad-text' : undefined}>{k.disagree}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {all.length ? (
            <ol className="trace-disagreements" data-testid="trace-disagreements">
              {all.slice(0, LISTED).map((d, i) => (
                <li key={i} data-testid="trace-disagreement">
                  <span className="hint">line {d.line}, CPU{d.cpu}:</span> the kernel: {d.trace}; the model: {d.model}
                  {d.at ? (
                    <>
                      {' '}
                      at <code>{d.at}</code>
                    </>
                  ) : null}
                  . <span className="hint">{d.reason}</span>{' '}
                  {d.microstep !== null ? (
                    <button type="button" className="link-button" onClick={() => void showTraceOnTimeline(d.microstep)} data-testid="trace-disagreement-show">
                      show on the timeline
                    </button>
                  ) : null}
                </li>
              ))}
              {all.length > LISTED ? <li className="hint">… and {all.length - LISTED} more</li> : null}
            </ol>
          ) : null}
        </>
      )}
    </section>
  );
}

const KIND_TEXT: Record<string, string> = {
  switchCr3: 'a switch writes CR3 (tlb_flush reason 0) or not',
  cr3Flush: 'that CR3 write flushes or keeps the PCID',
  remoteSend: 'a flush finds another CPU in mm_cpumask (reason 4)',
  flushIpi: 'a flush IPI sent to a CPU, or not',
  handlerInitMm: 'the IPI handler moves a lazy CPU to init_mm',
  remoteShootdown: 'the IPI handler flushes (reason 1)',
  localFlush: "the initiator's own flush (reason 3, 0 or 5)",
};
