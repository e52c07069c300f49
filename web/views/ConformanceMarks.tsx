import type { AxisScale } from '../axis-map.ts';
import { useMemo } from 'react';
import { useTraceOnScreen } from './useTraceOnScreen.ts';

/** Most marks drawn (all are listed in the trace dialog). */
const MAX_MARKS = 200;

/**
 * Where the model disagreed with the kernel trace the scenario on screen was reconstructed from (the trace dialog's
 * conformance): a thin mark at each disagreement's micro-step, with what the kernel and the model did as its tooltip.
 * Shown only while the timeline is that trace's scenario.
 */
export function ConformanceMarks({ x }: { x: AxisScale }) {
  const report = useTraceOnScreen();
  const marks = useMemo(() => {
    if (!report) return [];
    return Object.values(report.conformance.kinds)
      .flatMap((k) => k.disagreements)
      .filter((d) => d.microstep !== null)
      .slice(0, MAX_MARKS);
  }, [report]);
  if (!marks.length) return null;
  const [, right] = x.range();
  return (
    <>
      {marks.map((d, i) => {
        const px = x(d.microstep! + 1);
        if (px < 0 || px > right) return null;
        return (
          <div
            key={i}
            className="conformance-mark"
            style={{ transform: `translateX(${px}px)` }}
            data-testid="conformance-mark"
          >
            <span className="conformance-label" title={`trace line ${d.line}, CPU${d.cpu}: the kernel: ${d.trace}; the model: ${d.model}. ${d.reason}`}>
              ≠
            </span>
          </div>
        );
      })}
    </>
  );
}
