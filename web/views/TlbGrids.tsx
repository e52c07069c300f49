/**
 * TLB and walk-cache contents at the playhead, per CPU and device: va, page, tag and the entry's status in words
 * (current, stale: the PTE changed, freed, reused) with a symbol, not colour alone. Entries that changed during the
 * current step are highlighted; entries invalidated during it stay listed, struck through, as "invalidated".
 */
import { memo, useCallback, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { Actor, PlayheadView, TlbCell, TlbLife, TlbStatus } from '../../src-sim/protocol/index.ts';
import { store } from '../store.ts';
import { pick, type Slot } from './Playhead.tsx';
import { stepAt } from '../position.ts';
import { vaText } from '../format.ts';
import { mmSwatch } from '../layout/palette.ts';
import { Term } from './Term.tsx';

const NO_LIVES: TlbLife[] = [];

const STATUS: Record<TlbStatus, { mark: string; word: string }> = {
  current: { mark: '✓', word: 'current' },
  stale: { mark: '≠', word: 'stale: PTE changed' },
  freed: { mark: '✗', word: 'page freed' },
  reused: { mark: '✗', word: 'page freed and reused' },
};

/** Up to this many CPUs get a grid each; a bigger machine gets a summary line per CPU and grids on demand. */
const GRIDS = 8;

/** The TLBs of a timeline's playhead view: the main one (the side panel), or the compared variant's (under its lanes). */
export function TlbGrids({ slot = 'main' }: { slot?: Slot }) {
  const [opened, setOpened] = useState<ReadonlySet<number>>(() => new Set());
  const toggle = useCallback(
    (cpu: number) =>
      setOpened((o) => {
        const next = new Set(o);
        if (!next.delete(cpu)) next.add(cpu);
        return next;
      }),
    [],
  );
  const view = useStore(store, (s) => pick(s, slot).view);
  const summary = useStore(store, (s) => pick(s, slot).summary);
  const tracks = useStore(store, (s) => pick(s, slot).tracks);
  const main = slot === 'main';
  const step = view && summary ? stepAt(summary.steps, view.t) : null;
  const since = step ? step.firstMicrostep : 0; // changes after this position belong to the current step
  // Entries invalidated during the current step, by actor: one pass over the window's lives.
  const goneBy = useMemo(() => {
    const map = new Map<string, TlbLife[]>();
    if (!view) return map;
    for (const l of tracks?.tlb ?? []) {
      if (l.invalidated === null || l.invalidated <= since || l.invalidated > view.t) continue;
      const key = `${l.actor.kind}${l.actor.n}`;
      const list = map.get(key);
      if (list) list.push(l);
      else map.set(key, [l]);
    }
    return map;
  }, [tracks, since, view]);
  if (!view || !summary) return null;
  const gone = (actor: Actor) => goneBy.get(`${actor.kind}${actor.n}`) ?? NO_LIVES;

  // On a big machine, one line per CPU (entries and how many are wrong) and full grids only for the CPUs that matter
  // now: the one that ran this micro-step, those named by a violation here, and those the user opened.
  const big = view.cpus.length > GRIDS;
  const actorNow = view.microstep?.actor.kind === 'cpu' ? view.microstep.actor.n : -1;
  const shownCpus = big ? view.cpus.filter((c) => c.cpu === actorNow || opened.has(c.cpu)) : view.cpus;
  return (
    <section className={`tlb-grids${main ? '' : ' is-compare'}`} aria-label={main ? 'TLBs at the playhead' : 'TLBs of the compared variant'} data-testid={main ? 'tlb-grids' : 'compare-tlb-grids'}>
      <h2 className="panel-title">
        {main ? 'TLBs' : `TLBs of ${summary.variant}`} at micro-step {view.t}
      </h2>
      <div className="tlb-list">
        {big ? <TlbSummary cpus={view.cpus} opened={opened} toggle={toggle} /> : null}
        {shownCpus.map((c) => (
          // On a big machine the grid of "the CPU that ran this micro-step" keeps its key as that CPU changes, so the
          // table is updated in place rather than rebuilt at every step of the playhead.
          <Grid key={big && c.cpu === actorNow && !opened.has(c.cpu) ? 'now' : `cpu${c.cpu}`} title={`CPU ${c.cpu}`} cells={c.tlb} gone={gone({ kind: 'cpu', n: c.cpu })} view={view} since={since} testActor={`cpu${c.cpu}`} main={main} />
        ))}
        {view.devices.map((d) => (
          <Grid
            key={`dev${d.device}`}
            title={`device ${summary.machine.devices[d.device]?.name ?? d.device}`}
            cells={d.tlb}
            gone={gone({ kind: 'device', n: d.device })}
            view={view}
            since={since}
            testActor={`device${d.device}`}
            main={main}
          />
        ))}
      </div>
    </section>
  );
}

function Grid({ title, cells, gone, view, since, testActor, main }: { title: string; cells: TlbCell[]; gone: TlbLife[]; view: PlayheadView; since: number; testActor: string; main: boolean }) {
  const changed = (c: TlbCell) => c.filled > since || (c.statusSince !== null && c.statusSince > since);
  return (
    <table className="tlb-grid" aria-label={`TLB of ${title}${main ? '' : ' in the compared variant'}`} data-testid={main ? 'tlb-grid' : 'compare-tlb-grid'} data-actor={testActor}>
      <caption>
        TLB of {title} <span className="hint">({cells.length} {cells.length === 1 ? 'entry' : 'entries'})</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">va</th>
          <th scope="col">page</th>
          <th scope="col">
            <Term id="tag">tag</Term>
          </th>
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

/** One button per CPU: how many entries, how many wrong; pressing it opens that CPU's grid. */
function TlbSummary({ cpus, opened, toggle }: { cpus: PlayheadView['cpus']; opened: ReadonlySet<number>; toggle: (cpu: number) => void }) {
  return (
    <div className="tlb-summary" role="group" aria-label="TLB of each CPU (press to show its entries)">
      {cpus.map((c) => (
        <TlbChip key={c.cpu} cpu={c.cpu} entries={c.tlb.length} wrong={c.tlb.filter((e) => e.status !== 'current').length} pressed={opened.has(c.cpu)} toggle={toggle} />
      ))}
    </div>
  );
}

/** A chip changes only when its CPU's counts do (memoised on plain numbers). */
const TlbChip = memo(function TlbChip({ cpu, entries, wrong, pressed, toggle }: { cpu: number; entries: number; wrong: number; pressed: boolean; toggle: (cpu: number) => void }) {
  return (
    <button
      type="button"
      className={`tlb-chip${wrong ? ' has-wrong' : ''}`}
      aria-pressed={pressed}
      onClick={() => toggle(cpu)}
      title={`CPU ${cpu}: ${entries} entries${wrong ? `, ${wrong} stale, freed or reused` : ''}`}
    >
      {cpu}
      <span className="hint">:{entries}</span>
      {wrong ? <span className="bad-text">✗{wrong}</span> : null}
    </button>
  );
});
