// The signed-in key, for the pages: who it is (GET /v1/me) and how to end the session.
import { createContext, useContext } from 'react';
import type { Principal } from './lib/permissions';

export interface Session {
  me: Principal;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside a signed-in session');
  return session;
}

/** The signed-in key: id, name and role. */
export function useMe(): Principal {
  return useSession().me;
}
