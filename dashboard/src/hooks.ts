// Polling: what keeps every page live without a reload. A failed poll keeps the last good data and
// reports the error; polling pauses while the tab is hidden.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

export function usePoll<T>(fetcher: (() => Promise<T>) | null, intervalMs: number, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      const f = fetcherRef.current;
      if (!f) return;
      if (document.visibilityState !== 'hidden') {
        try {
          const v = await f();
          if (cancelled) return;
          setData(v);
          setError(undefined);
        } catch (err) {
          if (cancelled) return;
          setError(err instanceof ApiError ? err : new ApiError('http', (err as Error).message));
        } finally {
          if (!cancelled) setLoading(false);
        }
      }
      if (!cancelled && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    setLoading(true);
    void run();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [intervalMs, tick, ...deps]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
