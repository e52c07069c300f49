import { useStore } from 'zustand';
import { dismissError, store } from '../store.ts';

export function ErrorBanner() {
  const error = useStore(store, (s) => s.error);
  if (error === null) return null;
  return (
    <div role="alert" className="banner banner-error">
      <span className="banner-mark" aria-hidden="true">
        !
      </span>
      <p className="banner-text">{error}</p>
      <button type="button" className="button" onClick={dismissError}>
        Dismiss
      </button>
    </div>
  );
}
