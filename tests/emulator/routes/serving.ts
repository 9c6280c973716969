/**
 * Model Serving endpoints (`/api/2.0/serving-endpoints/...`) and queries (`/serving-endpoints/{name}/invocations`).
 * Quirks reproduced: a configuration update runs asynchronously (`IN_PROGRESS` for the scenario's
 * `updateMs`), a second update meanwhile is 409 RESOURCE_CONFLICT, a failed update leaves the previous
 * configuration serving (`UPDATE_FAILED`, the failed entity in `pending_config` with its state message),
 * and a query goes to a served entity chosen by the traffic split unless it names one.
 */
import { randomUUID } from 'node:crypto';
import type { CreateServingEndpoint, EndpointCoreConfigInput } from '@databricks/sdk-experimental/dist/apis/serving/model';
import { EmulatorApiError, invalidParameter, jsonBody, notFound, ok, type EmulatorRequest, type Reply, type Route } from '../http-kit';
import type { EmulatorContext } from '../server';
import { buildConfig, configUpdateState, endpointView, findEndpoint, startUpdate, updateConflict } from '../serving-config';
import type { ServedConfigRecord, ServingEndpointRecord } from '../serving-state';

const endpointNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

function endpointName(request: EmulatorRequest): string {
  return decodeURIComponent(request.params.name);
}

/** The served entity of the active or pending configuration, or 404. */
function findServed(record: ServingEndpointRecord, served: string): ServedConfigRecord['entities'][number] {
  const entity = record.config?.entities.find((e) => e.name === served) ?? record.pending?.config.entities.find((e) => e.name === served);
  if (!entity) throw notFound(`Served model '${served}' does not exist in endpoint '${record.name}'.`);
  return entity;
}

/** Picks the served entity of a query by the traffic split, deterministically (request n of 100 goes to the n-th percent). */
function routeQuery(record: ServingEndpointRecord, counter: number): ServedConfigRecord['entities'][number] {
  const config = record.config as ServedConfigRecord;
  const bucket = (counter * 37) % 100;
  let upTo = 0;
  for (const route of config.traffic.routes ?? []) {
    upTo += route.traffic_percentage;
    if (bucket < upTo) return config.entities.find((e) => e.name === route.served_entity_name) ?? config.entities[0];
  }
  return config.entities[0];
}

/** Route table entries for serving endpoints. */
export function servingRoutes(context: EmulatorContext): Route[] {
  const state = () => context.state;
  let queries = 0;

  function query(request: EmulatorRequest, served?: string): Reply {
    const record = findEndpoint(state(), endpointName(request), context.now());
    if (!record.config) throw new EmulatorApiError(400, 'INVALID_STATE', `Endpoint '${record.name}' is not ready: it has no served configuration yet.`);
    const entity = served === undefined ? routeQuery(record, queries++) : record.config.entities.find((e) => e.name === served);
    if (!entity) throw notFound(`Served model '${served}' is not served by endpoint '${record.name}'.`);
    const behaviour = state().serving.behaviour(entity.entity_name, entity.entity_version);
    const answer = behaviour?.predict ? behaviour.predict(jsonBody(request)) : { body: { predictions: [] } };
    return { status: 'status' in answer ? answer.status : 200, headers: { 'x-served-entity': entity.name }, body: answer.body };
  }

  return [
    {
      method: 'POST',
      pattern: /^\/api\/2\.0\/serving-endpoints$/,
      auth: 'workspace',
      handle: (request) => {
        const body = jsonBody<Partial<CreateServingEndpoint>>(request);
        if (!body.name || !endpointNamePattern.test(body.name)) throw invalidParameter(`Invalid endpoint name '${String(body.name)}': use letters, digits, '-' and '_' (at most 63).`);
        if (state().serving.endpoints.has(body.name)) throw new EmulatorApiError(409, 'RESOURCE_ALREADY_EXISTS', `Endpoint with name '${body.name}' already exists.`);
        if (!body.config) throw invalidParameter('The config field is required.');
        const now = context.now();
        const caller = request.caller!.identity;
        const config = buildConfig(state(), body.config, undefined, caller, now);
        const record: ServingEndpointRecord = {
          name: body.name,
          id: randomUUID().replace(/-/g, ''),
          creator: caller,
          createdAt: now,
          updatedAt: now,
          tags: body.tags ?? [],
          rateLimits: body.rate_limits,
          aiGateway: body.ai_gateway,
        };
        startUpdate(state().serving, record, config, now);
        state().serving.endpoints.set(record.name, record);
        return ok(endpointView(record));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/2\.0\/serving-endpoints\/(?<name>[^/]+)$/,
      auth: 'workspace',
      handle: (request) => ok(endpointView(findEndpoint(state(), endpointName(request), context.now()))),
    },
    {
      method: 'PUT',
      pattern: /^\/api\/2\.0\/serving-endpoints\/(?<name>[^/]+)\/config$/,
      auth: 'workspace',
      handle: (request) => {
        const now = context.now();
        const record = findEndpoint(state(), endpointName(request), now);
        if (configUpdateState(record) === 'IN_PROGRESS') throw updateConflict(record.name);
        const body = jsonBody<Omit<EndpointCoreConfigInput, 'name'>>(request);
        const config = buildConfig(state(), body, record.config, request.caller!.identity, now);
        startUpdate(state().serving, record, config, now);
        return ok(endpointView(record));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/2\.0\/serving-endpoints\/(?<name>[^/]+)\/served-models\/(?<served>[^/]+)\/build-logs$/,
      auth: 'workspace',
      handle: (request) => {
        const record = findEndpoint(state(), endpointName(request), context.now());
        const entity = findServed(record, decodeURIComponent(request.params.served));
        const logs = state().serving.behaviour(entity.entity_name, entity.entity_version)?.buildLogs;
        return ok({ logs: logs ?? `Building image for ${entity.entity_name} version ${entity.entity_version}\nImage built.\n` });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/2\.0\/serving-endpoints\/(?<name>[^/]+)\/served-models\/(?<served>[^/]+)\/logs$/,
      auth: 'workspace',
      handle: (request) => {
        const record = findEndpoint(state(), endpointName(request), context.now());
        const entity = findServed(record, decodeURIComponent(request.params.served));
        return ok({ logs: state().serving.behaviour(entity.entity_name, entity.entity_version)?.serverLogs ?? '' });
      },
    },
    {
      method: 'POST',
      pattern: /^\/serving-endpoints\/(?<name>[^/]+)\/invocations$/,
      auth: 'workspace',
      handle: (request) => query(request),
    },
    {
      method: 'POST',
      pattern: /^\/serving-endpoints\/(?<name>[^/]+)\/served-models\/(?<served>[^/]+)\/invocations$/,
      auth: 'workspace',
      handle: (request) => query(request, decodeURIComponent(request.params.served)),
    },
  ];
}
