// What an admin handler is: validated input in, the contract's output back. `admin/admin-app.ts`
// mounts a map of these; the domain modules in `admin/handlers/` each export a part of the map.
import type { Request, Response } from 'express';
import type { AdminApi, AdminOutput, AdminParsed, AdminRoute } from './contract.ts';

export interface AdminSession {
  id: string;
  via: 'launch' | 'password' | 'one_time';
  csrfToken: string;
  expiresAt: string;
}

export interface AdminCallContext {
  session: AdminSession | null;
  requestId: string;
  req: Request;
  /** For 'csv' and 'sse' routes, which write their own answer. */
  res: Response;
}

type Kind<K extends AdminRoute> = AdminApi[K] extends { kind: infer T } ? T : 'json';

export type AdminHandler<K extends AdminRoute> = Kind<K> extends 'csv' | 'sse'
  ? (input: AdminParsed<K>, ctx: AdminCallContext) => void | Promise<void>
  : (input: AdminParsed<K>, ctx: AdminCallContext) => AdminOutput<K> | Promise<AdminOutput<K>>;

export type AdminHandlers = { [K in AdminRoute]: AdminHandler<K> };
