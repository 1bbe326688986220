import { type INestApplication, ParseUUIDPipe, RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { PUBLIC_KEY, ROLE_KEY, ROLES, type Role } from '../auth/roles.js';

/** Nest's RouteParamtypes (not exported by @nestjs/common's public index). */
const BODY = 3;
const QUERY = 4;
const PARAM = 5;
const RAW_BODY = 12;

/** What the controllers' metadata says about one route: who may call it and what it reads. */
export interface RouteFacts {
  /** `Controller_method`, the operationId given by {@link operationId}. */
  operationId: string;
  method: string;
  /** Needs a credential: the global bearer-token guard, or a guard of its own (agents). */
  authenticated: boolean;
  /** Least role of a bearer-token route (`viewer` unless it says otherwise). */
  role: Role | null;
  /** The validated body's DTO class, if the body is one. */
  body: Type | null;
  /** Reads the raw request body (webhooks): it has a body without a DTO. */
  rawBody: boolean;
  /** The DTO class the query string is validated as. */
  query: Type | null;
  /** Path parameters, and whether a pipe parses them as UUIDs. */
  params: { name: string; uuid: boolean }[];
}

/** The operationId of a controller method, as the OpenAPI document spells it. */
export function operationId(controller: string, method: string): string {
  return `${controller.replace(/Controller$/, '')}_${method}`;
}

interface RouteArg {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

/**
 * Reads every controller route of the application from Nest's own metadata (guards, roles,
 * parameter decorators), so the OpenAPI post-processing covers routes added later with no
 * per-route work.
 */
export function collectRouteFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  const modules = app.get(ModulesContainer, { strict: false });
  for (const mod of modules.values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as Type | null;
      if (!ctrl || typeof ctrl !== 'function') continue;
      const proto = ctrl.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor') continue;
        const handler = proto[name];
        if (typeof handler !== 'function') continue;
        const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (verb === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        facts.set(operationId(ctrl.name, name), routeFacts(ctrl, name, handler, verb));
      }
    }
  }
  return facts;
}

function routeFacts(ctrl: Type, name: string, handler: object, verb: RequestMethod): RouteFacts {
  const meta = <T>(key: string): T | undefined =>
    (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, ctrl) as T | undefined);
  const guards = [
    ...((Reflect.getMetadata(GUARDS_METADATA, ctrl) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
  ];
  const isPublic = meta<boolean>(PUBLIC_KEY) === true;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctrl, name) ?? {}) as Record<string, RouteArg>;
  const types = (Reflect.getMetadata('design:paramtypes', ctrl.prototype as object, name) ?? []) as Type[];
  const facts: RouteFacts = {
    operationId: operationId(ctrl.name, name),
    method: RequestMethod[verb].toLowerCase(),
    authenticated: !isPublic || guards.length > 0,
    role: isPublic ? null : (meta<Role>(ROLE_KEY) ?? ROLES[0]),
    body: null,
    rawBody: false,
    query: null,
    params: [],
  };
  for (const [key, arg] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]);
    const type = types[arg.index];
    const plain: unknown[] = [String, Number, Boolean, Object, Array];
    const dto = typeof type === 'function' && !plain.includes(type);
    if (kind === BODY && dto) facts.body = type;
    else if (kind === QUERY && dto) facts.query = type;
    else if (kind === RAW_BODY) facts.rawBody = true;
    else if (kind === PARAM && typeof arg.data === 'string')
      facts.params.push({
        name: arg.data,
        uuid: (arg.pipes ?? []).some((p) => p instanceof ParseUUIDPipe || p === ParseUUIDPipe),
      });
  }
  return facts;
}
