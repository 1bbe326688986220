import { setOwn } from './substitution.js';

/**
 * RFC 7386 JSON merge patch: when the patch is an object, each of its members is merged into the
 * target (an object, or `{}` if the target is anything else) — `null` deletes the member, objects
 * recurse, every other value (arrays included) replaces; a patch that is not an object replaces
 * the target. Returns a new value and never mutates `target` or `patch`, so one patch can be
 * applied to several objects without sharing structure between them.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const out: Record<string, unknown> = {};
  if (isObject(target)) for (const [k, v] of Object.entries(target)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, applyMergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) setOwn(out, k, cloneJson(child));
    return out;
  }
  return v;
}
