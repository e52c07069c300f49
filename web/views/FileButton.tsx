import { useRef, type ReactNode } from 'react';

/** A button that opens the file chooser for one file (JSON unless `accept` says otherwise), with the hidden input behind it (tests set files on it). */
export function FileButton({
  children,
  label,
  testid,
  inputTestid,
  onFile,
  accept = '.json,application/json',
}: {
  children: ReactNode;
  label: string;
  testid: string;
  inputTestid: string;
  onFile: (file: File) => void;
  accept?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="button" onClick={() => input.current?.click()} data-testid={testid}>
        {children}
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        className="sr-only"
        tabIndex={-1}
        aria-label={label}
        data-testid={inputTestid}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file may be chosen again
          if (file) onFile(file);
        }}
      />
    </>
  );
}
