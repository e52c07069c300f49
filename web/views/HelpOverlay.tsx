import { useStore } from 'zustand';
import { setHelpOpen, store } from '../store.ts';
import { KEYS } from '../keyboard.ts';
import { useModal } from './useModal.ts';

/** `?`: the keyboard, and how to read the lanes. A modal dialog; Escape or the button closes it. */
export function HelpOverlay() {
  const open = useStore(store, (s) => s.helpOpen);
  const dialog = useModal(open);
  return (
    <dialog ref={dialog} className="help" aria-labelledby="help-title" onClose={() => setHelpOpen(false)} data-testid="help">
      <h2 id="help-title">Keyboard and legend</h2>
      <table className="keys">
        <tbody>
          {KEYS.map((k) => (
            <tr key={k.keys}>
              <th scope="row">
                <kbd>{k.keys}</kbd>
              </th>
              <td>{k.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Each CPU has five rows: <b>current</b> (rq-&gt;curr), <b>active_mm</b>, <b>loaded mm</b> (what the MMU walks, with its
        tag: PCID slot, PID, ASID or ASCE), <b>lazy</b> (hatched: a kernel thread borrowing a user mm, or x86 is_lazy), and
        the <b>kernel code</b> in flight (IPI handlers in their own colour). Each mm has one colour everywhere and its
        name written on it. Arrows are IPIs, from the sender when sent to the target when delivered (dashed: never
        delivered). ✗ marks a violated invariant; click it for the explanation. Wheel zooms, drag pans, click seeks.
      </p>
      <button type="button" className="button" onClick={() => setHelpOpen(false)} autoFocus>
        Close
      </button>
    </dialog>
  );
}
