// One EventSource per page on the admin stream of the current mode; pages subscribe to the event
// types they show. EventSource reconnects by itself; `live` says whether it is connected now.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { AdminStreamEvent } from '../../../src-server/admin/contract.ts';
import { api } from './api.ts';
import { useMode } from './mode.tsx';

type EventType = AdminStreamEvent['type'];
type DataOf<T extends EventType> = Extract<AdminStreamEvent, { type: T }>['data'];
type Listener = (data: unknown) => void;

interface Stream {
  subscribe: (type: EventType, fn: Listener) => () => void;
  live: boolean;
}

const StreamContext = createContext<Stream>({ subscribe: () => () => {}, live: false });
const EVENT_TYPES: EventType[] = ['invoice', 'sync', 'delivery'];

export function StreamProvider({ children }: { children: ReactNode }) {
  const { mode } = useMode();
  const listeners = useRef(new Map<EventType, Set<Listener>>());
  const [live, setLive] = useState(false);

  useEffect(() => {
    const source = new EventSource(api.url('GET /stream', { query: { mode } }));
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(source.readyState === EventSource.OPEN);
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const fn of listeners.current.get(type) ?? []) fn(data);
      });
    }
    return () => {
      source.close();
      setLive(false);
    };
  }, [mode]);

  const subscribe = useCallback((type: EventType, fn: Listener) => {
    const set = listeners.current.get(type) ?? new Set<Listener>();
    listeners.current.set(type, set);
    set.add(fn);
    return () => void set.delete(fn);
  }, []);

  return <StreamContext.Provider value={{ subscribe, live }}>{children}</StreamContext.Provider>;
}

/** Calls `fn` for each event of `type` while the component is mounted (always the latest `fn`). */
export function useStreamEvent<T extends EventType>(type: T, fn: (data: DataOf<T>) => void): void {
  const { subscribe } = useContext(StreamContext);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => subscribe(type, (data) => latest.current(data as DataOf<T>)), [subscribe, type]);
}

export const useStreamLive = () => useContext(StreamContext).live;
