// The tunnel on the merchant listener: status, start, stop (scopes tunnel:read / tunnel:write).
// The tunnel itself only ever exposes the public listener.
import type { TunnelController } from '../tunnel/tunnel-controller.ts';
import { TunnelObject, TunnelStartBody, TunnelStopBody } from '../tunnel/tunnel-service.ts';
import { defineRoute, type RouteDef } from './routes.ts';

export function tunnelRoutes(deps: { tunnel: TunnelController }): RouteDef[] {
  const tag = 'Tunnel';
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/tunnel',
      operationId: 'retrieveTunnel',
      summary: 'The tunnel exposing the public listener: provider, status, URL, last error, and the public base URL of new checkout_urls.',
      tag,
      scope: 'tunnel:read',
      response: TunnelObject,
      envelope: 'data',
      status: 200,
      handler: () => deps.tunnel.view(),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tunnel/start',
      operationId: 'startTunnel',
      summary: 'Start (or restart) the tunnel with a provider: localtunnel, ngrok, cloudflared or custom (your own public URL). It reconnects with backoff until stopped.',
      tag,
      scope: 'tunnel:write',
      body: TunnelStartBody,
      response: TunnelObject,
      envelope: 'data',
      status: 200,
      handler: ({ body }) => deps.tunnel.startFromApi(body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tunnel/stop',
      operationId: 'stopTunnel',
      summary: 'Stop the tunnel; new checkout_urls use publicBaseUrl or the public listener again.',
      tag,
      scope: 'tunnel:write',
      body: TunnelStopBody,
      response: TunnelObject,
      envelope: 'data',
      status: 200,
      handler: ({ body }) => deps.tunnel.stopFromApi(body),
    }),
  ];
}
