/** The state at the playhead, as Python Tutor shows a program's: per CPU its call stack, IPIs, interrupts; per mm its counts, mask and state; per page its state. */
import { memo, useRef } from 'react';
import { useInView } from './useInView.ts';
import { Term } from './Term.tsx';
import { useStore } from 'zustand';
import { store } from '../store.ts';
import type { MachineInfo, PlayheadView } from '../../src-sim/protocol/index.ts';
import { mmSwatch } from '../layout/palette.ts';

/** Up to this many CPUs get a card each; more get one table line each. */
const CARDS = 8;

/** rq->curr's name, marked "(exited)" once it died (it stays rq->curr until its final switch). */
function currName(view: PlayheadView, curr: number, tasks: MachineInfo['tasks'] | undefined): string {
  const died = tasks?.[curr]?.diedAt;
  return `${view.taskNames[curr] ?? ''}${died !== undefined && view.t >= died ? ' (exited)' : ''}`;
}

export function Inspector() {
  const view = useStore(store, (s) => s.view);
  const tasks = useStore(store, (s) => s.summary?.machine.tasks);
  if (!view) return null;
  const mmName = (m: number) => (m < 0 ? 'LOADED_MM_SWITCHING' : (view.mmNames[m] ?? `mm ${m}`));
  return (
    <section className="inspector" aria-label="State at the playhead" data-testid="inspector">
      <h2 className="panel-title">State at micro-step {view.t}</h2>
      {view.cpus.length > CARDS ? <CpuTable view={view} tasks={tasks} /> : null}
      <div className="inspector-cpus">
        {view.cpus.length > CARDS ? null : view.cpus.map((c) => (
          <div key={c.cpu} className="inspect-card" data-testid="inspect-cpu" data-cpu={c.cpu}>
            <h3>
              CPU {c.cpu} <span className="hint">{c.mode === 'user' ? 'in user code' : c.op === 'none' ? 'idle in kernel' : c.op}</span>
            </h3>
            <dl className="kv">
              <dt>rq-&gt;curr</dt>
              <dd>{currName(view, c.curr, tasks)}</dd>
              <dt>
                <Term id="active_mm">active_mm</Term>
              </dt>
              <dd>{mmName(c.activeMm)}</dd>
              <dt>
                <Term id="loaded">loaded mm</Term>
              </dt>
              <dd>
                {mmName(c.loaded.mm)} <span className="hint">tag {c.loaded.tag}</span>
              </dd>
              {c.asid ? (
                <>
                  <dt>ASID</dt>
                  <dd data-testid="inspect-asid">
                    generation {c.asid.gen}
                    {c.asid.active !== null || c.asid.reserved !== null ? (
                      <span className="hint">
                        {' '}
                        · active {pair(c.asid.active)} · reserved {pair(c.asid.reserved)}
                      </span>
                    ) : null}
                    {c.asid.flushPending ? <span className="bad-text"> · flush pending</span> : null}
                  </dd>
                </>
              ) : null}
              <dt>interrupts</dt>
              <dd>{c.irqsOff > 0 ? `off (depth ${c.irqsOff})` : 'on'}</dd>
            </dl>
            {c.stack.length > 0 ? (
              <ol className="call-stack" aria-label={`Call stack of CPU ${c.cpu}, innermost last`}>
                {c.stack.map((f, i) => (
                  <li key={i} className={f.irq ? 'is-irq' : undefined}>
                    {f.irq ? <span className="hint">IPI </span> : null}
                    <code>
                      {f.link ? (
                        <a href={f.link} target="_blank" rel="noreferrer noopener" title={`${f.fn} in the kernel source of this era`}>
                          {f.fn}
                        </a>
                      ) : (
                        f.fn
                      )}{' '}
                      › {f.label}
                    </code>
                  </li>
                ))}
              </ol>
            ) : null}
            {c.pendingIpis.length > 0 ? (
              <p className="pending-ipis">
                pending IPIs (held, interrupts off): {c.pendingIpis.map((p) => `${p.kind} from CPU ${p.from}`).join(', ')}
              </p>
            ) : null}
          </div>
        ))}
      </div>
      <table className="inspect-table" aria-label="mms">
        <thead>
          <tr>
            <th scope="col">mm</th>
            <th scope="col">
              <Term id="mm_users">mm_users</Term>
            </th>
            <th scope="col">
              <Term id="mm_count">mm_count</Term>
            </th>
            <th scope="col">
              <Term id="mm_cpumask">mm_cpumask</Term>
            </th>
            <th scope="col">state</th>
          </tr>
        </thead>
        <tbody>
          {view.mms.map((m) => (
            <MmRowInView
              key={m.mm}
              mm={m.mm}
              name={view.mmNames[m.mm] ?? `mm ${m.mm}`}
              cells={[String(m.users), String(m.count), m.cpumask.length ? m.cpumask.map((c) => `CPU${c}`).join(' ') : '—', m.state, m.detail.map(([k, v]) => ` · ${k}\u00a0${v}`).join('')]}
            />
          ))}
        </tbody>
      </table>
      <table className="inspect-table" aria-label="pages">
        <thead>
          <tr>
            <th scope="col">page</th>
            <th scope="col">kind</th>
            <th scope="col">state</th>
            <th scope="col">contents</th>
          </tr>
        </thead>
        <tbody>
          {view.pages.map((p) => (
            <tr key={p.page} className={p.freed ? 'is-freed' : undefined}>
              <th scope="row">{view.pageNames[p.page]}</th>
              <td>{p.kind === 'pt' ? 'page table' : 'data'}</td>
              <td>{p.freed ? '✗ freed' : p.reused > 0 ? `reused ×${p.reused}` : 'in use'}</td>
              <td>{p.owner}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.pageCount > view.pages.length ? <p className="hint">… and {view.pageCount - view.pages.length} more pages</p> : null}
    </section>
  );
}

/** One line per CPU on a big machine (the cards are for the few CPUs of a talk). */
function CpuTable({ view, tasks }: { view: NonNullable<ReturnType<typeof store.getState>['view']>; tasks: MachineInfo['tasks'] | undefined }) {
  const mmName = (m: number) => (m < 0 ? 'SWITCHING' : (view.mmNames[m] ?? `mm ${m}`));
  return (
    <table className="inspect-table" aria-label="CPUs">
      <thead>
        <tr>
          <th scope="col">CPU</th>
          <th scope="col">curr</th>
          <th scope="col">
            <Term id="active_mm">active_mm</Term>
          </th>
          <th scope="col">
            <Term id="loaded">loaded</Term>
          </th>
          <th scope="col">in flight</th>
        </tr>
      </thead>
      <tbody>
        {view.cpus.map((c) => {
          const top = c.stack[c.stack.length - 1];
          const cells: CpuCells = [
            currName(view, c.curr, tasks),
            `${mmName(c.activeMm)}${c.lazy ? ' (lazy)' : ''}`,
            mmName(c.loaded.mm),
            String(c.loaded.tag),
            `${top ? `${top.irq ? 'IPI ' : ''}${top.fn} › ${top.label}` : c.mode === 'user' ? 'user' : '—'}${c.pendingIpis.length ? ` · ${c.pendingIpis.length} IPI held` : ''}`,
          ];
          return <CpuRowInView key={c.cpu} cpu={c.cpu} cells={cells} />;
        })}
      </tbody>
    </table>
  );
}

type CpuCells = [curr: string, active: string, loaded: string, tag: string, inFlight: string];
const OFF_SCREEN: CpuCells = ['…', '', '', '', ''];

/**
 * A line is filled in while it is on screen (or near it): scrubbing a 64-CPU run then rewrites the lines a reader
 * can see, not all 64. Off screen it says "…" rather than keep words that are no longer true.
 */
function CpuRowInView({ cpu, cells }: { cpu: number; cells: CpuCells }) {
  const row = useRef<HTMLTableRowElement>(null);
  const inView = useInView(row);
  return <CpuRow cpu={cpu} cells={inView ? cells : OFF_SCREEN} row={row} />;
}

/** One CPU's line; re-rendered only when one of its words changed (a new view is a new object every time). */
const CpuRow = memo(
  function CpuRow({ cpu, cells, row }: { cpu: number; cells: CpuCells; row: React.RefObject<HTMLTableRowElement | null> }) {
    return (
      <tr data-testid="inspect-cpu" data-cpu={cpu} ref={row}>
        <th scope="row">{cpu}</th>
        <td>{cells[0]}</td>
        <td>{cells[1]}</td>
        <td>
          {cells[2]} <span className="hint">{cells[3]}</span>
        </td>
        <td>{cells[4]}</td>
      </tr>
    );
  },
  (a, b) => a.cpu === b.cpu && a.cells.every((v, i) => v === b.cells[i]),
);

type MmCells = [users: string, count: string, cpumask: string, state: string, detail: string];
const MM_OFF_SCREEN: MmCells = ['…', '', '', '', ''];

/** An mm's line, filled in while on screen (a 64-CPU run has dozens of mms; see CpuRowInView). */
function MmRowInView({ mm, name, cells }: { mm: number; name: string; cells: MmCells }) {
  const row = useRef<HTMLTableRowElement>(null);
  const inView = useInView(row);
  return <MmRow mm={mm} name={name} cells={inView ? cells : MM_OFF_SCREEN} row={row} />;
}

const MmRow = memo(
  function MmRow({ mm, name, cells, row }: { mm: number; name: string; cells: MmCells; row: React.RefObject<HTMLTableRowElement | null> }) {
    return (
      <tr data-testid="inspect-mm" data-mm={name} ref={row}>
        <th scope="row">
          <span className="swatch" style={{ background: mmSwatch(mm).fill }} aria-hidden="true" />
          {name}
        </th>
        <td>{cells[0]}</td>
        <td>{cells[1]}</td>
        <td>{cells[2]}</td>
        <td>
          {cells[3]}
          <span className="hint">{cells[4]}</span>
        </td>
      </tr>
    );
  },
  (a, b) => a.mm === b.mm && a.name === b.name && a.cells.every((v, i) => v === b.cells[i]),
);

/** An ASID as generation:number (arm64 active_asids / reserved_asids), or — for none. */
function pair(p: [number, number] | null): string {
  return p ? `${p[0]}:${p[1]}` : '—';
}
