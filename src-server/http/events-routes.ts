import type { EventsService } from '../webhooks/events-service.ts';
import { defineRoute, type RouteDef } from './routes.ts';
import { EventObject, IdParams, listOf } from './schemas.ts';
import { ListEventsQuery } from './webhook-schemas.ts';

export function eventRoutes(deps: { events: EventsService }): RouteDef[] {
  const caller = (key: { storeId: string; livemode: boolean }) => ({ storeId: key.storeId, livemode: key.livemode });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/events',
      operationId: 'listEvents',
      summary: 'List events, the immutable audit log, newest first (cursor pagination).',
      tag: 'Events',
      scope: 'events:read',
      query: ListEventsQuery,
      response: listOf(EventObject),
      envelope: 'list',
      status: 200,
      handler: ({ key, query }) =>
        deps.events.list(caller(key), {
          limit: query.limit,
          startingAfter: query.starting_after,
          type: query.type,
          objectId: query.object_id,
          createdGte: query['created[gte]'] ?? query.created_gte,
          createdLte: query['created[lte]'] ?? query.created_lte,
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/events/:id',
      operationId: 'retrieveEvent',
      summary: 'Retrieve an event with the object as it was when the event happened.',
      tag: 'Events',
      scope: 'events:read',
      params: IdParams,
      response: EventObject,
      envelope: 'data',
      status: 200,
      handler: ({ key, params }) => deps.events.get(caller(key), params.id),
    }),
  ];
}
