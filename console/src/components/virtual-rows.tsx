// Long lists (1,000 services, 10,000 agents) render only the rows in view, scrolling with the page.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import { Virtualizer, observeWindowOffset, observeWindowRect, windowScroll } from '@tanstack/virtual-core';

export function VirtualRows<T>({ items, rowHeight, head, row, label }: { items: T[]; rowHeight: number; head: ComponentChildren; row: (item: T, index: number) => ComponentChildren; label: string }) {
  const list = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [virtualizer] = useState(
    () =>
      new Virtualizer<Window, Element>({
        count: items.length,
        getScrollElement: () => window,
        estimateSize: () => rowHeight,
        overscan: 10,
        scrollToFn: windowScroll,
        observeElementRect: observeWindowRect,
        observeElementOffset: observeWindowOffset,
        onChange: () => rerender(0),
      }),
  );
  virtualizer.setOptions({ ...virtualizer.options, count: items.length, scrollMargin: list.current?.offsetTop ?? 0 });
  useEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });
  const rows = virtualizer.getVirtualItems();
  return (
    <div class="rows" role="table" aria-label={label} aria-rowcount={items.length + 1}>
      {head}
      <div ref={list} role="rowgroup" style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
        {rows.map((r) => (
          <div key={r.key} role="presentation" style={{ position: 'absolute', top: 0, left: 0, right: 0, height: `${rowHeight}px`, transform: `translateY(${r.start - virtualizer.options.scrollMargin}px)` }}>
            {row(items[r.index]!, r.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
