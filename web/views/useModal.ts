import { useEffect, useRef } from 'react';

/** A <dialog> shown as a modal while `open` (the store says), closed otherwise; attach the ref to the dialog. */
export function useModal(open: boolean) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return dialog;
}
