import { useLayoutEffect, useState, type RefObject } from 'react';

/**
 * Whether an element is on screen (or within `margin` of it), from one shared IntersectionObserver per margin: views
 * that cost with what they draw (a refcount graph with hundreds of change dots) draw only while they can be seen.
 */
export function useInView(ref: RefObject<Element | null>, margin = '200px'): boolean {
  const [inView, setInView] = useState(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    return watch(el, margin, setInView);
  }, [ref, margin]);
  return inView;
}

type Listener = (inView: boolean) => void;
const observers = new Map<string, { io: IntersectionObserver; listeners: Map<Element, Listener> }>();

function watch(el: Element, margin: string, listener: Listener): () => void {
  let entry = observers.get(margin);
  if (!entry) {
    const listeners = new Map<Element, Listener>();
    const io = new IntersectionObserver(
      (changes) => {
        for (const c of changes) listeners.get(c.target)?.(c.isIntersecting);
      },
      { rootMargin: margin },
    );
    entry = { io, listeners };
    observers.set(margin, entry);
  }
  entry.listeners.set(el, listener);
  entry.io.observe(el);
  const { io, listeners } = entry;
  return () => {
    io.unobserve(el);
    listeners.delete(el);
  };
}
