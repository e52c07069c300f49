/**
 * TLB and walk-cache contents at the playhead, per CPU and device: va, page, tag and the entry's status in words
 * (current, stale: the PTE changed, freed, reused) with a symbol, not colour alone. Entries that changed during the
 * current step are highlighted; entries invalidated during it stay listed, struck through, as "invalidated".
 */
import { useStore } from 'zustand';
import type { Actor, PlayheadView, TlbCell, TlbLife, TlbStatus } from '../../src-sim/protocol/index.ts';
import { store } from '../store.ts';
import { stepAt } from '../position.ts';
import { vaText } from '../format.ts';
import { mmSwatch } from '../layout/palette.ts';

const STATUS: Record<TlbStatus, { mark: string; word: string }> = {
  current: { mark: '✓', word: 'current' },
  stale: { mark: '≠', word: 'stale: PTE changed' },
  freed: { mark: '✗', word: 'page freed' },
  reused: { mark: '✗', word: 'page freed and reused' },
};

export function TlbGrids() {
  const view = useStore(store, (s) => s.view);
  const summary = useStore(store, (s) => s.summary);
  const tracks = useStore(store, (s) => s.tracks);
  if (!view || !summary) return null;
  const step = stepAt(summary.steps, view.t);
  const since = step ? step.firstMicrostep : 0; // changes after this position belong to the current step
  const gone = (actor: Actor) =>
    (tracks?.tlb ?? []).filter(
      (l) => l.actor.kind === actor.kind && l.actor.n === actor.n && l.invalidated !== null && l.invalidated > since && l.invalidated <= view.t,
    );

  // On a big machine, empty TLBs are named in one line instead of one empty table each.
  const hideEmpty = view.cpus.length > 8;
  const emptyCpus = view.cpus.filter((c) => c.tlb.length === 0 && gone({ kind: 'cpu', n: c.cpu }).length === 0);
  return (
    <section className="tlb-grids" aria-label="TLBs at the playhead" data-testid="tlb-grids">
      <h2 className="panel-title">TLBs at micro-step {view.t}</h2>
      <div className="tlb-list">
        {view.cpus.filter((c) => !hideEmpty || c.tlb.length > 0 || gone({ kind: 'cpu', n: c.cpu }).length > 0).map((c) => (
          <Grid key={`cpu${c.cpu}`} title={`CPU ${c.cpu}`} cells={c.tlb} gone={gone({ kind: 'cpu', n: c.cpu })} view={view} since={since} testActor={`cpu${c.cpu}`} />
        ))}
        {hideEmpty && emptyCpus.length > 0 ? (
          <p className="hint" data-testid="tlb-empty-list">
            Empty TLBs: {emptyCpus.length === view.cpus.length ? `all ${view.cpus.length} CPUs` : emptyCpus.map((c) => `CPU ${c.cpu}`).join(', ')}
          </p>
        ) : null}
        {view.devices.map((d) => (
          <Grid
            key={`dev${d.device}`}
            title={`device ${summary.machine.devices[d.device]?.name ?? d.device}`}
            cells={d.tlb}
            gone={gone({ kind: 'device', n: d.device })}
            view={view}
            since={since}
            testActor={`device${d.device}`}
          />
        ))}
      </div>
    </section>
  );
}

function Grid({ title, cells, gone, view, since, testActor }: { title: string; cells: TlbCell[]; gone: TlbLife[]; view: PlayheadView; since: number; testActor: string }) {
  const changed = (c: TlbCell) => c.filled > since || (c.statusSince !== null && c.statusSince > since);
  return (
    <table className="tlb-grid" aria-label={`TLB of ${title}`} data-testid="tlb-grid" data-actor={testActor}>
      <caption>
        TLB of {title} <span className="hint">({cells.length} {cells.length === 1 ? 'entry' : 'entries'})</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">va</th>
          <th scope="col">page</th>
          <th scope="col">tag</th>
          <th scope="col">state</th>
        </tr>
      </thead>
      <tbody>
        {cells.length === 0 && gone.length === 0 ? (
          <tr>
            <td colSpan={4} className="hint">
              empty
            </td>
          </tr>
        ) : null}
        {cells.map((c, i) => {
          const st = STATUS[c.status];
          return (
            <tr
              key={i}
              className={`tlb-row status-${c.status}${changed(c) ? ' is-changed' : ''}`}
              data-testid="tlb-entry"
              data-va={vaText(c.va)}
              data-page={view.pageNames[c.page] ?? ''}
              data-status={c.status}
              data-walk={c.walk ? 'true' : 'false'}
            >
              <td>
                <code>{vaText(c.va)}</code>
                {c.walk ? <span className="hint"> walk</span> : null}
              </td>
              <td>
                <span className="swatch" style={{ background: mmSwatch(c.mm).fill }} title={`from ${view.mmNames[c.mm] ?? ''}'s page tables`} aria-hidden="true" />
                {view.pageNames[c.page] ?? c.page}
                {c.speculative ? <span className="hint"> (spec.)</span> : null}
              </td>
              <td>{c.tag}</td>
              <td className="tlb-status">
                <span aria-hidden="true">{st.mark} </span>
                {st.word}
                {changed(c) ? <span className="changed-word"> · new this step</span> : null}
              </td>
            </tr>
          );
        })}
        {gone.map((l, i) => (
          <tr key={`gone${i}`} className="tlb-row is-gone" data-testid="tlb-gone" data-va={vaText(l.va)}>
            <td>
              <code>{vaText(l.va)}</code>
              {l.walk ? <span className="hint"> walk</span> : null}
            </td>
            <td>{view.pageNames[l.page] ?? l.page}</td>
            <td>{l.tag}</td>
            <td className="tlb-status">
              <span aria-hidden="true">⌫ </span>invalidated at micro-step {l.invalidated}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
