/** Loading data: the value, the error, whether it is loading, and a reload. */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
  /** Replaces the data without a round trip (after a mutation answered with the new state). */
  set(value: T): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (generation.current === mine) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (generation.current === mine) setState({ data: undefined, error, loading: false });
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback((data: T) => setState({ data, error: undefined, loading: false }), []);
  return { ...state, reload, set };
}

/** A mutation: run it, know whether it is running, keep its error or its success message. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  message: string | undefined;
  run<T>(work: () => Promise<T>, success?: string | ((value: T) => string)): Promise<T | undefined>;
  clear(): void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const run = useCallback(async <T,>(work: () => Promise<T>, success?: string | ((value: T) => string)) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      const value = await work();
      if (success) setMessage(typeof success === 'function' ? success(value) : success);
      return value;
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(undefined);
    setMessage(undefined);
  }, []);
  return { busy, error, message, run, clear };
}

/** Re-runs `tick` every `ms` while `active`. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}
