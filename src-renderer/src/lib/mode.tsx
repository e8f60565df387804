// Test or live: which objects the dashboard shows. Stored in localStorage so a reload keeps it.
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';
import type { Mode } from '../../../src-server/admin/contract.ts';

const STORAGE_KEY = 'kassa.mode';

export function storedMode(): Mode | null {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'test' || v === 'live' ? v : null;
  } catch {
    return null;
  }
}

const ModeContext = createContext<{ mode: Mode; setMode: (m: Mode) => void }>({ mode: 'test', setMode: () => {} });

export function ModeProvider({ initial, children }: { initial: Mode; children: ReactNode }) {
  const [mode, setModeState] = useState<Mode>(storedMode() ?? initial);
  const setMode = useCallback((m: Mode) => {
    try {
      window.localStorage.setItem(STORAGE_KEY, m);
    } catch {
      /* private mode: the switch still works for this page */
    }
    setModeState(m);
  }, []);
  return <ModeContext.Provider value={{ mode, setMode }}>{children}</ModeContext.Provider>;
}

export const useMode = () => useContext(ModeContext);
