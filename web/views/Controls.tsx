/** The playhead controls: step by operation and micro-step, play with a speed, scrub, jump to a step or violation. */
import { useStore } from 'zustand';
import { memo, useMemo, useState } from 'react';
import type { StepInfo } from '../../src-sim/protocol/index.ts';
import { seek, setSpeed, showError, store } from '../store.ts';
import { jumpEnd, jumpViolation, stepMicro, stepOperation, togglePlay } from '../playback.ts';
import { positionText, stepAt, stepCounts, stepEnd, violationBy } from '../position.ts';
import { stepName } from '../format.ts';

const SPEEDS = [1, 2, 4, 10, 30, 100, 1000, 10_000];

export function Controls() {
  const summary = useStore(store, (s) => s.summary);
  const t = useStore(store, (s) => s.t);
  const playing = useStore(store, (s) => s.playing);
  const speed = useStore(store, (s) => s.speed);
  if (!summary) return null;
  const n = summary.microstepCount;
  const current = stepAt(summary.steps, t);
  const nextV = violationBy(summary.violations, t, 1);
  const prevV = violationBy(summary.violations, t, -1);

  return (
    <section className="controls" aria-label="Playhead controls" data-testid="controls">
      <div className="control-buttons" role="toolbar" aria-label="Step and play">
        <Btn label="Initial state (Home)" onClick={() => jumpEnd('start')} disabled={t === 0} testid="to-start">|◀</Btn>
        <Btn label="Previous operation (←)" onClick={() => stepOperation(-1)} disabled={t === 0} testid="prev-step">◀◀</Btn>
        <Btn label="Previous micro-step (Shift+←)" onClick={() => stepMicro(-1)} disabled={t === 0} testid="prev-micro">◀</Btn>
        <Btn label={playing ? 'Pause (Space)' : 'Play (Space)'} onClick={togglePlay} testid="play" wide>
          {playing ? '||' : '▶'}
        </Btn>
        <Btn label="Next micro-step (Shift+→)" onClick={() => stepMicro(1)} disabled={t >= n} testid="next-micro">▶</Btn>
        <Btn label="Next operation (→)" onClick={() => stepOperation(1)} disabled={t >= n} testid="next-step">▶▶</Btn>
        <Btn label="Final state (End)" onClick={() => jumpEnd('end')} disabled={t >= n} testid="to-end">▶|</Btn>
        <span className="control-sep" aria-hidden="true" />
        <Btn label="Previous violation ([)" onClick={() => jumpViolation(-1)} disabled={prevV === null} testid="prev-violation">
          [✗
        </Btn>
        <Btn label="Next violation (])" onClick={() => jumpViolation(1)} disabled={nextV === null} testid="next-violation">
          ✗]
        </Btn>
        <label className="field speed-field">
          <span className="field-label">Speed</span>
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="Play speed, micro-steps per second">
            {SPEEDS.map((v) => (
              <option key={v} value={v}>
                {v}/s
              </option>
            ))}
          </select>
        </label>
        <GoTo steps={summary.steps} current={current && t === stepEnd(current) ? current.index : null} />
      </div>
      <div className="scrub-row">
        <input
          type="range"
          className="scrubber"
          min={0}
          max={n}
          step={1}
          value={t}
          onChange={(e) => seek(Number(e.target.value))}
          aria-label="Scrub the timeline (micro-steps done)"
          aria-valuetext={positionText(summary, t)}
          data-testid="scrubber"
        />
        <p className="position" aria-live="polite" data-testid="position">
          {positionText(summary, t)}
        </p>
      </div>
    </section>
  );
}

function Btn({ label, onClick, disabled, children, testid, wide }: { label: string; onClick: () => void; disabled?: boolean; children: React.ReactNode; testid: string; wide?: boolean }) {
  return (
    <button type="button" className={`icon-button${wide ? ' is-wide' : ''}`} aria-label={label} title={label} onClick={onClick} disabled={disabled} data-testid={testid}>
      <span aria-hidden="true">{children}</span>
    </button>
  );
}

/** Most steps offered in the "go to" list; a longer run gets a step-number field instead. */
const MAX_OPTIONS = 300;

/** Jump to the end of a step: a list for short runs, a number for long ones. */
const GoTo = memo(function GoTo({ steps, current }: { steps: StepInfo[]; current: number | null }) {
  const ran = useMemo(() => steps.filter((s) => s.microstepCount > 0), [steps]);
  const [text, setText] = useState('');
  if (ran.length > MAX_OPTIONS) {
    const setupCount = stepCounts(steps).setup;
    return (
      <form
        className="field step-field"
        onSubmit={(e) => {
          e.preventDefault();
          const step = steps[setupCount + Number(text)];
          if (/^\d+$/.test(text) && step) seek(stepEnd(step));
          else showError(`There is no step ${text.slice(0, 20)}: steps are numbered 0 to ${steps.length - setupCount - 1}.`);
        }}
      >
        <label className="field-label" htmlFor="goto-step">
          Go to step
        </label>
        <input id="goto-step" className="goto-input" inputMode="numeric" value={text} onChange={(e) => setText(e.target.value)} placeholder={`0–${steps.length - setupCount - 1}`} data-testid="jump-step-number" />
      </form>
    );
  }
  return (
    <label className="field step-field">
      <span className="field-label">Go to</span>
      <select
        aria-label="Jump to the end of a step"
        data-testid="jump-step"
        value={current !== null ? String(current) : ''}
        onChange={(e) => {
          const step = steps[Number(e.target.value)];
          if (step) seek(stepEnd(step));
        }}
      >
        <option value="" disabled>
          step…
        </option>
        {ran.map((s) => (
          <option key={s.index} value={s.index}>
            {stepName(s)}: {s.text}
          </option>
        ))}
      </select>
    </label>
  );
});
